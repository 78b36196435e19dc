"""The grouped inbox in the store: one row per person, positions that follow a key."""

from __future__ import annotations

from tests.ui_inbox.conftest import Rig
from tui.store import InboxView


async def test_a_linked_person_is_one_row_with_summed_unread(rig: Rig) -> None:
    store = rig.runtime.store
    view = InboxView()
    flat = await store.count_conversations(view, rig.now)
    assert await store.count_groups(view, rig.now) == flat
    person = await store.link_people((rig.fb, "t_ana"), (rig.ig, "ig_ana"))
    assert await store.count_groups(view, rig.now) == flat - 1
    groups = await store.groups_page(view, 0, 500, rig.now)
    assert len(groups) == flat - 1
    ana = next(g for g in groups if g.person_id == person)
    assert ana.size == 2 and ana.unread == 2
    assert ana.platforms == ("messenger", "instagram")
    assert ana.latest.remote_id == "t_ana"  # the more recent of the two
    assert ana.person_name == "Ana Souza"
    index = groups.index(ana)
    assert await store.group_position(view, rig.now, person_id=person) == index
    # Either conversation finds the row that holds it.
    for key in ((rig.fb, "t_ana"), (rig.ig, "ig_ana")):
        assert await store.group_position(view, rig.now, conversation=key) == index
    lone = groups[0]
    key = (lone.latest.account_id, lone.latest.remote_id)
    assert await store.group_position(view, rig.now, conversation=key) == 0


async def test_groups_page_by_page_match_the_whole(rig: Rig) -> None:
    store = rig.runtime.store
    await store.link_people((rig.fb, "t_ana"), (rig.ig, "ig_ana"))
    view = InboxView(platform=None)
    whole = await store.groups_page(view, 0, 500, rig.now)
    paged = [
        g for off in range(0, len(whole), 4) for g in await store.groups_page(view, off, 4, rig.now)
    ]
    assert paged == whole
    assert await store.group_position(view, rig.now, person_id=999) is None
