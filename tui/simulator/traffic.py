"""The demo's traffic generator: customers write at random; quiet threads stay quiet."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import TYPE_CHECKING, Any

from tui.simulator import texts
from tui.simulator.world import INSTAGRAM

if TYPE_CHECKING:
    from tui.simulator.core import Simulator


def traffic_step(sim: Simulator, rng: random.Random) -> dict[str, Any]:
    """One customer event, chosen by ``rng`` (so a seed gives the same sequence)."""
    inbox = sim.world.inboxes[rng.choice(sorted(sim.world.inboxes))]
    active = [c for c in inbox.conversations if not c.quiet and not c.customer.blocked]
    roll = rng.random()
    if roll < 0.1 or not active:
        return sim.inbound(inbox.key, None, rng.choice(texts.INBOUND_TEXTS))
    active.sort(key=lambda c: (c.updated_at, c.id), reverse=True)
    # Recent threads are likelier to continue, like a real inbox.
    conv = active[min(int(rng.expovariate(0.4)), len(active) - 1)]
    customer = conv.customer.id
    if roll < 0.18 and any(not m.from_customer for m in conv.messages):
        return sim.react(inbox.key, customer, rng.choice(texts.REACTIONS))
    if roll < 0.28:
        return sim.inbound(inbox.key, customer, "", attachment={"type": "image"})
    if roll < 0.33 and inbox.platform == INSTAGRAM:
        return sim.inbound(
            inbox.key,
            customer,
            rng.choice(texts.STORY_REPLY_TEXTS),
            attachment={"type": "story_reply"},
        )
    return sim.inbound(inbox.key, customer, rng.choice(texts.INBOUND_TEXTS))


async def run_traffic(sim: Simulator, mean_interval: float, stop: asyncio.Event) -> None:
    """Emit customer events at exponential intervals until ``stop`` is set."""
    rng = sim.traffic_rng
    while not stop.is_set():
        delay = rng.expovariate(1.0 / mean_interval) if mean_interval > 0 else 0.0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
            return
        traffic_step(sim, rng)
