"""The poll interval reacts to activity, usage headers and failures."""

from __future__ import annotations

import asyncio
import itertools
import random
from pathlib import Path

from tests.simrig import sim_runtime
from tui.services.pacing import Pacer
from tui.simulator import Simulator

BASE = 2.0
"""The poll interval of the timing test (the pacer's shortest)."""


def make() -> Pacer:
    return Pacer(base=20.0, rng=random.Random(1))


def test_active_conversations_poll_faster_and_idle_ones_slower() -> None:
    pacer = make()
    assert pacer.after_success(had_news=True) == 5.0
    idle = [pacer.after_success(had_news=False) for _ in range(12)]
    assert idle[0] == 20.0
    assert idle == sorted(idle), "idle polls never speed up"
    assert idle[-1] == 80.0, "idle accounts settle at four times the base interval"


def test_usage_over_80_percent_slows_down() -> None:
    calm = make().after_success(had_news=False, usage_pct=50)
    busy = make().after_success(had_news=False, usage_pct=85)
    assert busy == 3 * calm


def test_backoff_grows_with_jitter_and_the_breaker_opens() -> None:
    pacer = make()
    delays = [pacer.after_failure() for _ in range(4)]
    for n, delay in enumerate(delays, start=1):
        ceiling = pacer.max_delay_after(n)
        assert ceiling / 2 <= delay <= ceiling
    assert not pacer.breaker_open
    opened = pacer.after_failure()
    assert pacer.breaker_open
    assert opened >= pacer.breaker_cooldown * 0.8
    pacer.after_success(had_news=False)
    assert not pacer.breaker_open and pacer.failures == 0


async def test_a_slow_poll_does_not_push_the_next_one_later(tmp_path: Path) -> None:
    """The interval runs from one poll's start to the next one's: when every poll spends a
    second waiting for Meta, a new message still waits about one interval, not two."""
    sim = Simulator(5)
    rig = await sim_runtime(
        tmp_path, sim, accounts=1, config_extra=f"\n[ui]\npoll_seconds = {BASE}\n"
    )
    try:
        sync = next(iter(rig.runtime.engine.accounts.values()))
        await sync.step()  # the first sync and all its history, before timing
        while await sync.backfill_step():
            pass
        await rig.post("/_sim/faults", {"path": "re:/conversations$", "count": -1, "delay": 1.0})
        starts: list[float] = []
        step = sync.step

        async def timed_step() -> float | None:
            starts.append(asyncio.get_running_loop().time())
            return await step()

        sync.step = timed_step  # type: ignore[method-assign]
        stop = asyncio.Event()
        task = asyncio.create_task(sync.run(stop))
        try:
            while len(starts) < 3:
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        # Timed from the end of each poll, the gaps were 3 s (1 s of poll + 2 s).
        assert all(BASE - 0.05 <= gap < BASE + 0.5 for gap in gaps), gaps
    finally:
        await rig.close()
