"""The poll interval reacts to activity, usage headers and failures."""

from __future__ import annotations

import random

from tui.services.pacing import Pacer


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
