"""A busy personal account: 50 bridged rooms, 2,000 messages, one initial sync."""

from __future__ import annotations

import time
from pathlib import Path

from tests.matrix.conftest import open_rig
from tests.matrixpeer import BusyAccount
from tui.domain import Platform
from tui.store.views import InboxView


async def test_initial_sync_of_50_rooms_and_2000_events(
    busy_matrix: BusyAccount, tmp_path: Path
) -> None:
    rig = await open_rig(busy_matrix.server, tmp_path, me=busy_matrix.wait())
    try:
        began = time.monotonic()
        [report] = await rig.engine.run_once()
        took = time.monotonic() - began
        assert report.error is None
        now = rig.engine.clock()
        assert await rig.store.count_conversations(InboxView("all"), now) == 50
        total = 0
        platforms = {Platform.INSTAGRAM: 0, Platform.MESSENGER: 0}
        for room, sent in busy_matrix.rooms.items():
            stored = await rig.messages(room)
            assert [m.remote_id for m in stored] == sent, room
            total += len(stored)
            conversation = await rig.store.get_conversation(rig.account_id, room)
            assert conversation is not None and conversation.customer.name.startswith("Friend ")
            platforms[conversation.platform] += 1
        assert total == 2000
        assert platforms == {Platform.INSTAGRAM: 25, Platform.MESSENGER: 25}
        assert took < 30, f"initial sync took {took:.1f}s"
        # An idle incremental sync after that brings nothing and costs one request.
        [idle] = await rig.engine.run_once()
        assert (idle.requests, idle.new_messages) == (1, [])
    finally:
        rig.bob.close()
        await rig.adapter.client.aclose()
        await rig.store.close()
