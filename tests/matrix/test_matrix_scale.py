"""A busy personal account: 50 bridged rooms, 2,000 events, one initial sync."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from mautrix.client import ClientAPI

from tests.matrix.conftest import open_rig
from tests.matrixpeer import PORTAL_STATE_EVENTS, BusyAccount
from tui.domain import Platform
from tui.store.views import InboxView


def _event_ids(answer: object, rooms: Mapping[str, object]) -> set[tuple[str, str]]:
    """(room, event id) of every event of ``rooms`` in a ``/sync`` or ``/messages`` answer."""
    found: set[tuple[str, str]] = set()
    if not isinstance(answer, Mapping):
        return found
    joined = answer.get("rooms", {}).get("join", {})
    for room_id, room in joined.items():
        for section in ("state", "timeline"):
            for event in room.get(section, {}).get("events", []):
                found.add((room_id, event["event_id"]))
    for event in [*answer.get("chunk", []), *(answer.get("state") or [])]:
        found.add((event["room_id"], event["event_id"]))
    return {(room, event) for room, event in found if room in rooms}


async def test_initial_sync_of_50_rooms_and_2000_events(
    busy_matrix: BusyAccount, tmp_path: Path
) -> None:
    """The 2,000 events are everything the 50 rooms hold: each portal's own state events
    (creation, bridge state, invitations, joins) and its puppet's messages. Every one of
    them reaches Linkdeck in the initial sync (``/sync``, then ``/messages`` through the
    gaps of the long rooms), and every message is stored, in order."""
    rig = await open_rig(busy_matrix.server, tmp_path, me=busy_matrix.wait())
    received: set[tuple[str, str]] = set()
    call = rig.adapter.client.call

    async def watched(make: Callable[[ClientAPI], Awaitable[Any]], *, sending: bool = False) -> Any:
        answer = await call(make, sending=sending)
        received.update(_event_ids(answer, busy_matrix.rooms))
        return answer

    rig.adapter.client.call = watched  # type: ignore[method-assign]
    try:
        began = time.monotonic()
        [report] = await rig.engine.run_once()
        took = time.monotonic() - began
        assert report.error is None
        assert len(received) == 2000
        now = rig.engine.clock()
        assert await rig.store.count_conversations(InboxView("all"), now) == 50
        total = 0
        platforms = {Platform.INSTAGRAM: 0, Platform.MESSENGER: 0}
        for room, sent in busy_matrix.rooms.items():
            stored = await rig.messages(room)
            assert [m.remote_id for m in stored] == sent, room
            assert sum(1 for r, _ in received if r == room) == len(sent) + PORTAL_STATE_EVENTS
            total += len(stored)
            conversation = await rig.store.get_conversation(rig.account_id, room)
            assert conversation is not None and conversation.customer.name.startswith("Friend ")
            platforms[conversation.platform] += 1
        assert total == 2000 - 50 * PORTAL_STATE_EVENTS
        assert platforms == {Platform.INSTAGRAM: 25, Platform.MESSENGER: 25}
        assert took < 30, f"initial sync took {took:.1f}s"
        # An idle incremental sync after that brings nothing and costs one request.
        [idle] = await rig.engine.run_once()
        assert (idle.requests, idle.new_messages) == (1, [])
    finally:
        rig.bob.close()
        await rig.adapter.client.aclose()
        await rig.store.close()
