"""Streaming every message in pages, and many writers sharing the one connection."""

from __future__ import annotations

import asyncio

from tests.store.conftest import at, msg
from tui.domain.models import Platform, TriageStatus
from tui.store import Store

M = Platform.MESSENGER


async def test_iter_messages_pages_through_equal_timestamps(store: Store) -> None:
    # Seven messages share one timestamp: the keyset must not skip or repeat any of them.
    batch = [msg(f"s{i}", minute=5) for i in range(7)] + [msg("early", minute=1)]
    batch.append(msg("late", minute=9, account="other", conv="t_o"))
    await store.apply_batch("bakery", platform=M, messages=batch[:-1])
    await store.apply_batch("other", platform=M, messages=batch[-1:])
    streamed = [m.remote_id async for m in store.iter_messages(chunk=2)]
    assert streamed[0] == "early" and streamed[-1] == "late"
    assert sorted(streamed[1:-1]) == [f"s{i}" for i in range(7)]
    assert len(streamed) == 9
    mine = [m.remote_id async for m in store.iter_messages(account_id="other", chunk=1)]
    assert mine == ["late"]
    recent = [m.remote_id async for m in store.iter_messages(since=at(5), chunk=3)]
    assert len(recent) == 8 and "early" not in recent


async def test_concurrent_writers_do_not_share_a_transaction(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m0", conv="t_x")])

    async def sync(n: int) -> None:
        await store.apply_batch(
            "bakery",
            platform=M,
            messages=[msg(f"c{n}_{i}", conv=f"t_{n}", minute=i) for i in range(20)],
            cursors={f"conv:{n}": str(n)},
        )

    async def triage() -> None:
        for _ in range(10):
            await store.set_status("bakery", "t_x", TriageStatus.DONE)
            await store.mark_read("bakery", "t_x")

    await asyncio.gather(*(sync(n) for n in range(8)), triage())
    assert await store.counts("bakery") == (9, 1 + 8 * 20)
    assert len(await store.cursors("bakery")) == 8
    c = await store.get_conversation("bakery", "t_x")
    assert c is not None and c.triage.status is TriageStatus.DONE and c.unread_count == 0
