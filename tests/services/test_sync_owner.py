"""A listing's ``is_owner`` (Conversation Routing) marks another app's thread in the store,
the mark the conversation screen shows ("Another app owns this thread").

Page: ``documentation/business-messaging/messenger-platform/webview.md`` ("Conversations
API for Messenger Platform", "Conversation Ownership Filtering"), mirrored in
nermalcat69/meta-business-api under ``facebook-dev-docs/markdown/``.
"""

from __future__ import annotations

import json

from tests.services.conftest import Rig
from tui.services.sync import OTHER_APP
from tui.simulator.faults import FaultRule


async def test_is_owner_false_marks_the_thread_as_another_apps(rig: Rig) -> None:
    page = rig.sim.world.inboxes["demo-page"]
    adapter = rig.runtime.engine.accounts["demo-page"].adapter
    # The simulator's own listing, as the adapter asks for it, with Meta's is_owner added.
    listing = (
        await rig.control.get(
            f"/v25.0/{page.owner_id}/conversations",
            params={"platform": "messenger", "fields": adapter.conversation_fields, "limit": 25},
            headers={"Authorization": f"Bearer {rig.sim.world.tokens['page']}"},
        )
    ).json()
    listing.pop("paging", None)
    first, second = listing["data"][0], listing["data"][1]
    first["is_owner"], second["is_owner"] = False, True
    rig.sim.faults.add(
        FaultRule(path=f"/{page.owner_id}/conversations", status=200, body=json.dumps(listing))
    )
    report = await rig.runtime.engine.accounts["demo-page"].poll_once()
    assert report.error is None
    store = rig.runtime.store
    assert await store.thread_owner("demo-page", first["id"]) == OTHER_APP
    assert await store.thread_owner("demo-page", second["id"]) == ""
