"""Inbox views, ordering, paging, triage state and people merged across platforms."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from tests.store.conftest import NOW, at, conv, msg
from tui.domain.models import Platform, TriageStatus
from tui.store import InboxView, Store
from tui.store.views import view_holds

M = Platform.MESSENGER
IG = Platform.INSTAGRAM


@pytest.fixture
async def inbox(store: Store) -> Store:
    # t_a: customer waiting; t_b: we replied last; t_c: read, customer last; ig_1: Instagram.
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[
            msg("a1", "hi", conv="t_a", minute=10),
            msg("b1", "hello", conv="t_b", sender="p_b", name="Bea", minute=20),
            msg("b2", "sure", conv="t_b", minute=21, from_us=True),
            msg("c1", "thanks", conv="t_c", sender="p_c", name="Caio", minute=5),
        ],
    )
    await store.apply_batch(
        "bakery-ig",
        platform=IG,
        messages=[msg("i1", "oi", account="bakery-ig", conv="ig_1", name="ana silva", minute=15)],
    )
    await store.mark_read("bakery", "t_c")
    return store


async def keys(store: Store, view: InboxView, now: datetime = NOW) -> list[str]:
    return [c.remote_id for c in await store.conversations_page(view, 0, 100, now)]


async def test_all_view_is_newest_first_with_pins_on_top(inbox: Store) -> None:
    assert await keys(inbox, InboxView()) == ["t_b", "ig_1", "t_a", "t_c"]
    await inbox.set_flag("bakery", "t_c", pinned=True)
    assert await keys(inbox, InboxView()) == ["t_c", "t_b", "ig_1", "t_a"]
    await inbox.set_flag("bakery", "t_c", pinned=False, muted=True)
    c = await inbox.get_conversation("bakery", "t_c")
    assert c is not None and c.triage.muted and not c.triage.pinned


async def test_views(inbox: Store) -> None:
    assert await keys(inbox, InboxView("unread")) == ["t_b", "ig_1", "t_a"]
    assert await keys(inbox, InboxView("needs_reply")) == ["ig_1", "t_a", "t_c"]
    assert await keys(inbox, InboxView(platform=IG)) == ["ig_1"]
    assert await keys(inbox, InboxView(account_id="bakery", kind="unread")) == ["t_b", "t_a"]
    await inbox.set_status("bakery", "t_a", TriageStatus.DONE)
    wake = NOW + timedelta(hours=2)
    await inbox.set_status("bakery", "t_b", TriageStatus.SNOOZED, wake)
    assert await keys(inbox, InboxView("done")) == ["t_a"]
    assert await keys(inbox, InboxView("snoozed")) == ["t_b"]
    assert await keys(inbox, InboxView()) == ["ig_1", "t_c"]
    # Once the snooze time has passed the conversation is back in "all" by itself...
    later = wake + timedelta(seconds=1)
    assert await keys(inbox, InboxView(), later) == ["t_b", "ig_1", "t_c"]
    assert await keys(inbox, InboxView("snoozed"), later) == []
    # ...and wake_snoozed makes it open for good.
    assert await inbox.wake_snoozed(NOW) == []
    assert await inbox.wake_snoozed(later) == [("bakery", "t_b")]
    b = await inbox.get_conversation("bakery", "t_b")
    assert b is not None and b.triage.status is TriageStatus.OPEN
    with pytest.raises(ValueError):
        InboxView("everything")  # type: ignore[arg-type]


async def test_counts_pages_and_positions(inbox: Store) -> None:
    view = InboxView()
    assert await inbox.count_conversations(view, NOW) == 4
    assert [c.remote_id for c in await inbox.conversations_page(view, 1, 2, NOW)] == [
        "ig_1",
        "t_a",
    ]
    order = await keys(inbox, view)
    for index, remote_id in enumerate(order):
        account = "bakery-ig" if remote_id == "ig_1" else "bakery"
        assert await inbox.position_of(view, account, remote_id, NOW) == index
    assert await inbox.position_of(InboxView("unread"), "bakery", "t_c", NOW) is None
    await inbox.set_flag("bakery", "t_a", pinned=True)
    assert await inbox.position_of(view, "bakery", "t_a", NOW) == 0
    assert await inbox.position_of(view, "bakery", "t_c", NOW) == 3


async def test_unread_marks(inbox: Store) -> None:
    assert await inbox.total_unread() == 3
    await inbox.mark_read("bakery", "t_b")
    assert await inbox.total_unread() == 2
    await inbox.mark_unread("bakery", "t_b")
    await inbox.mark_unread("bakery", "t_a")  # already unread: stays at 1
    assert await inbox.total_unread() == 3


async def test_labels(inbox: Store) -> None:
    await inbox.set_labels("bakery", "t_a", ["order", "vip", "order", " "])
    c = await inbox.get_conversation("bakery", "t_a")
    assert c is not None and c.triage.labels == ("order", "vip")


async def test_messages_page_keyset(store: Store) -> None:
    await store.apply_batch(
        "bakery", platform=M, messages=[msg(f"m{i:02d}", minute=i % 5) for i in range(12)]
    )
    seen: list[str] = []
    before = None
    while True:
        page = await store.messages_page("bakery", "t_1", before, 5)
        if not page:
            break
        seen += [m.remote_id for m in page]
        before = (page[-1].created_at, page[-1].remote_id)
    assert len(seen) == 12 == len(set(seen))
    created = [
        (m.created_at, m.remote_id) for m in await store.messages_page("bakery", "t_1", None, 99)
    ]
    assert created == sorted(created, reverse=True)
    assert created[0][0] == at(4)


async def test_people_link_suggest_timeline_unlink(inbox: Store) -> None:
    # "Ana Silva" on Messenger and "ana silva" on Instagram look like one person.
    pairs = await inbox.suggest_merges()
    assert [(a.remote_id, b.remote_id) for a, b in pairs] == [("t_a", "ig_1")]
    person = await inbox.link_people(("bakery", "t_a"), ("bakery-ig", "ig_1"))
    assert await inbox.suggest_merges() == []
    a = await inbox.get_conversation("bakery", "t_a")
    assert a is not None and a.customer.person_id == person
    timeline = await inbox.person_timeline(person, None, 10)
    assert [m.remote_id for m in timeline] == ["i1", "a1"]
    assert [m.remote_id for m in await inbox.person_timeline(person, (at(15), "i1"), 10)] == ["a1"]
    assert await keys(inbox, InboxView(person_id=person)) == ["ig_1", "t_a"]
    # Linking a third conversation to either side joins the same person.
    assert await inbox.link_people(("bakery", "t_c"), ("bakery", "t_a")) == person
    # Merging two people keeps one.
    other = await inbox.link_people(("bakery", "t_b"), ("bakery", "t_b"))
    merged = await inbox.link_people(("bakery", "t_b"), ("bakery-ig", "ig_1"))
    assert merged in (person, other)
    assert len(await inbox.person_timeline(merged, None, 10)) == 5
    await inbox.unlink_person("bakery", "t_b")
    b = await inbox.get_conversation("bakery", "t_b")
    assert b is not None and b.customer.person_id is None
    with pytest.raises(KeyError):
        await inbox.link_people(("bakery", "nope"), ("bakery", "t_a"))


async def test_unlinking_leaves_no_person_of_one(inbox: Store) -> None:
    person = await inbox.link_people(("bakery", "t_a"), ("bakery-ig", "ig_1"))
    await inbox.unlink_person("bakery", "t_a")
    ig = await inbox.get_conversation("bakery-ig", "ig_1")
    assert ig is not None and ig.customer.person_id is None
    assert await inbox.person_timeline(person, None, 10) == []


async def test_inbox_queries_use_indexes(store: Store) -> None:
    plans = []
    for sql in (
        "SELECT * FROM conversations c WHERE c.status = 'open' "
        "ORDER BY c.pinned DESC, c.updated_at DESC, c.remote_id, c.account_id LIMIT 50",
        "SELECT * FROM messages m WHERE m.account_id = 'a' AND m.conversation_id = 'c' "
        "ORDER BY m.created_at DESC, m.remote_id DESC LIMIT 50",
        "SELECT * FROM messages m WHERE m.created_at > 0 ORDER BY m.created_at, m.id LIMIT 50",
    ):
        async with store._db.execute("EXPLAIN QUERY PLAN " + sql) as cur:
            plans.append(" ".join(str(r[3]) for r in await cur.fetchall()))
    assert "conversations_order" in plans[0] and "TEMP B-TREE" not in plans[0]
    assert "messages_thread" in plans[1] and "TEMP B-TREE" not in plans[1]
    assert "messages_time" in plans[2] and "TEMP B-TREE" not in plans[2]


async def test_a_name_equal_to_a_handle_is_no_ground_for_a_merge(store: Store) -> None:
    from tui.domain.models import Identity

    ig = conv("ig_h", account="bakery-ig", platform=IG, name="")
    ig = replace(
        ig, customer=Identity(account_id="bakery-ig", platform_user_id="ig_u", username="ana.silva")
    )
    await store.apply_batch("bakery-ig", platform=IG, conversations=[ig])
    stranger = conv("t_h", name="ANA.SILVA")
    await store.apply_batch("bakery", platform=M, conversations=[stranger])
    assert await store.suggest_merges() == []


async def test_a_conversation_alone_tells_which_views_hold_it_as_the_sql_does(
    inbox: Store,
) -> None:
    """``view_holds`` (used by the inbox to place a conversation a live event carried,
    without reading it back) agrees with the views' SQL for every conversation and view,
    through snoozes ending this very millisecond, labels in any case and people."""
    person = await inbox.link_people(("bakery", "t_a"), ("bakery-ig", "ig_1"))
    await inbox.set_status("bakery", "t_b", TriageStatus.SNOOZED, NOW + timedelta(hours=1))
    await inbox.set_status("bakery", "t_c", TriageStatus.SNOOZED, NOW)  # ends right now
    await inbox.set_status("bakery-ig", "ig_1", TriageStatus.DONE)
    await inbox.set_labels("bakery", "t_a", ["VIP", "Été"])
    await inbox.set_labels("bakery", "t_b", ["vip"])
    conversations = await inbox.conversations_by_key(
        [("bakery", "t_a"), ("bakery", "t_b"), ("bakery", "t_c"), ("bakery-ig", "ig_1")]
    )
    assert len(conversations) == 4
    views = [
        InboxView(kind, platform, account, person_id, label)
        for kind in ("all", "unread", "snoozed", "done")
        for platform in (None, IG)
        for account in (None, "bakery")
        for person_id in (None, person)
        for label in (None, "vip", "VIP", "été", "ÉTÉ")
    ]
    checked = 0
    for now in (NOW - timedelta(seconds=1), NOW, NOW + timedelta(hours=2)):
        for view in views:
            for key, conversation in conversations.items():
                in_sql = await inbox.conversation_in_view(view, *key, now) is not None
                assert view_holds(view, conversation, now) is in_sql, (view, key, now)
                checked += in_sql
    assert checked > 50  # the views hold some of them, not none
    # Whether the last message is ours is not part of a conversation: the store decides.
    assert view_holds(InboxView("needs_reply"), conversations[("bakery", "t_a")], NOW) is None
