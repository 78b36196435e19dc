"""A conversation walk that fails on page N keeps pages 1..N-1 and never moves the
watermark over what it did not store (Meta's cursor-limit error, "Paginated Results",
``docs/graph-api/results.md``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.services.conftest import Rig
from tests.services.test_sync import iter_queue
from tests.simrig import frozen, loopback_runtime
from tui.adapters.errors import InvalidRequest, RateLimited
from tui.services.events import ConversationsChanged
from tui.services.sync import GAP_PAGES, WATERMARK
from tui.simulator.faults import FaultRule

CURSOR_LIMIT = {
    "error": {
        "message": "(#100) The After Cursor specified exceeds the max limit supported by "
        "this endpoint",
        "type": "OAuthException",
        "code": 100,
    }
}


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """The services rig with two pages of conversations per account."""
    async with loopback_runtime(tmp_path, frozen(11, conversations_per_account=40)) as built:
        yield built


async def stored_conversations(rig: Rig) -> int:
    db = rig.runtime.store
    cursors = await db.cursors("demo-page")
    return sum(1 for name in cursors if name.startswith("msg:"))


async def test_a_failure_on_page_two_keeps_page_one_and_the_watermark_stays(rig: Rig) -> None:
    page = rig.sim.world.inboxes["demo-page"]
    total = len(page.conversations)
    assert total > 25, "needs more than one page of conversations"
    rig.sim.faults.add(
        FaultRule(
            path=f"/{page.owner_id}/conversations",
            count=-1,
            status=400,
            body=json.dumps(CURSOR_LIMIT),
            query={"after": "*"},
        )
    )
    sync = rig.runtime.engine.accounts["demo-page"]
    report = await sync.poll_once()
    assert isinstance(report.error, InvalidRequest)
    assert await stored_conversations(rig) == 25  # page one is kept
    assert WATERMARK not in await rig.runtime.store.cursors("demo-page")

    # The platform recovers: the next poll stores the rest, and does not read the
    # conversations it already stored again.
    rig.sim.faults.clear()
    before = len(rig.sim.requests)
    report = await sync.poll_once()
    assert report.error is None
    assert await stored_conversations(rig) == total
    assert WATERMARK in await rig.runtime.store.cursors("demo-page")
    reads = [e for e in rig.sim.requests[before:] if "conversations" not in e.path]
    assert len(reads) <= total - 25 + 5  # about one read per conversation not yet stored


async def test_the_gap_filler_stops_after_a_bounded_number_of_pages(rig: Rig) -> None:
    """A platform that never stops giving a next page cannot hold one poll forever."""
    sync = rig.runtime.engine.accounts["demo-page"]
    await sync.poll_once()
    conv = rig.sim.world.inboxes["demo-page"].conversations[0]
    for n in range(30):  # more than one page since the last poll: the gap filler runs
        await rig.inbound("demo-page", f"burst {n}", customer=conv.customer.id)
    pages = 0

    async def endless(conversation_id: str, **_: object) -> tuple[list[object], str]:
        nonlocal pages
        pages += 1
        return [], f"cursor-{pages}"  # a fresh cursor every time: no repeat to notice

    sync.adapter.backfill = endless  # type: ignore[method-assign]
    report = await asyncio.wait_for(sync.poll_once(), timeout=60)
    assert report.error is None
    assert pages == GAP_PAGES
    texts = {m.text async for m in rig.runtime.store.iter_messages(account_id="demo-page")}
    assert {f"burst {n}" for n in range(5, 30)} <= texts  # the recent page is stored
    # The rest of the gap is left to the backfill, which walks this history again.
    cursors = await rig.runtime.store.cursors("demo-page")
    assert cursors[f"backfill:{conv.id}"] == ""


async def test_what_a_pass_stored_before_a_rate_limit_is_announced(rig: Rig) -> None:
    """A first sync cut short by the platform's rate limit (part-way through the
    conversations' messages) still tells the screens what it stored: the inbox of a
    large Page showed nothing until a pass completed, minutes later."""
    page = rig.sim.world.inboxes["demo-page"]
    last = min(page.conversations, key=lambda c: c.updated_at or datetime.min.replace(tzinfo=UTC))
    rig.sim.faults.add(
        FaultRule(
            path=f"/{last.id}$",
            regex=True,
            count=-1,
            status=400,
            error={"code": 4, "message": "(#4) Application request limit reached"},
        )
    )
    queue = rig.runtime.bus.subscribe()
    report = await rig.runtime.engine.accounts["demo-page"].poll_once()
    assert isinstance(report.error, RateLimited)
    announced = {
        conversation_id
        for event in iter_queue(queue)
        if isinstance(event, ConversationsChanged) and event.account_id == "demo-page"
        for conversation_id in event.conversation_ids
    }
    assert await stored_conversations(rig) == len(announced) == len(page.conversations) - 1
    assert last.id not in announced


async def test_a_first_sync_stops_before_the_platform_refuses_and_finishes_later(
    rig: Rig,
) -> None:
    """Meta's rate-limiting page: once the limit is reached, stop calling. The usage
    headers say when it is near; a first sync of a large Page used to call on until Meta
    refused it (80006 here), every few minutes. It now stops at 95% and loses nothing."""
    from tui.domain import AccountState
    from tui.services.sync import NearTheLimit

    page = rig.sim.world.inboxes["demo-page"]
    # 40 conversations, each at least one call, against 30 calls an hour.
    await rig.control.post("/_sim/config", json={"rate": {"hourly_budget": 30}})
    await rig.control.delete("/_sim/requests")
    sync = rig.runtime.engine.accounts["demo-page"]
    queue = rig.runtime.bus.subscribe()
    report = await sync.poll_once()
    assert isinstance(report.error, NearTheLimit)
    assert report.error.pct >= 95
    log = (await rig.control.get("/_sim/requests")).json()["data"]
    assert [r for r in log if r["error_code"] is not None] == [], "nothing was refused"
    announced = {
        conversation_id
        for event in iter_queue(queue)
        if isinstance(event, ConversationsChanged) and event.account_id == "demo-page"
        for conversation_id in event.conversation_ids
    }
    stored = await stored_conversations(rig)
    assert 0 < stored == len(announced) < len(page.conversations)
    delay = await sync.handle_error(report.error)
    assert sync.status.state is AccountState.RATE_LIMITED
    assert sync.status.detail.startswith("usage at ")
    assert delay is not None and delay >= 60
    # An hour later the budget is back: the next passes store the rest, each once.
    await rig.control.post("/_sim/clock", json={"advance": 3600})
    for _ in range(3):
        if (await sync.poll_once()).error is None:
            break
        await rig.control.post("/_sim/clock", json={"advance": 3600})
    assert await stored_conversations(rig) == len(page.conversations)
    stored_ids = [
        m.remote_id async for m in rig.runtime.store.iter_messages(account_id="demo-page")
    ]
    expected = [m.id for conversation in page.conversations for m in conversation.messages]
    assert sorted(stored_ids) == sorted(expected)
