"""A simulated day under Meta's real budget: webhooks off, 20 engaged people.

The simulator counts every call against 200 x 20 calls per rolling 24 hours and 2 calls
per second (no burst); its clock moves only when the test moves it, so the day takes
seconds. Polling must stay inside its share of the budget and still show every new
message within the freshness it announces.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.sync_rig import one_account_sync, throttled
from tui.services.budget import (
    BudgetPlanner,
    WebhookHealth,
    freshness_text,
)
from tui.services.local import budget_line
from tui.simulator.clock import SimClock
from tui.simulator.core import Simulator
from tui.simulator.ratelimit import RateConfig
from tui.simulator.world import PAGE_KEY

ENGAGED = 20
DAY = 86400.0


async def test_a_day_without_webhooks_stays_inside_the_budget(tmp_path: Path) -> None:
    sim = Simulator(
        31, clock=SimClock.fixed(), conversations_per_account=6, rate=RateConfig.meta(ENGAGED)
    )
    async with one_account_sync(sim, PAGE_KEY, tmp_path, transport=throttled(sim)) as rig:
        store, sync, adapter = rig.store, rig.sync, rig.adapter
        planner = BudgetPlanner(share=0.5, configured_engaged=ENGAGED)
        sync.planner = planner
        start = sim.clock.timestamp()
        rng = random.Random(4)
        # About 400 customer messages over the day, at random moments.
        arrivals = sorted(start + rng.uniform(600, DAY - 600) for _ in range(400))
        created: dict[str, float] = {}
        seen_at: dict[str, float] = {}
        customers: list[str] = []
        worst_shown = 0.0
        polls = 0
        while sim.clock.timestamp() < start + DAY:
            delay = await sync.step()
            polls += 1
            assert delay is not None, sync.status
            now = sim.clock.timestamp()
            for mid in created.keys() - seen_at.keys():
                if await store.message_time(PAGE_KEY, mid) is not None:
                    seen_at[mid] = now
            shown = planner.freshness(sync.poll_cost, webhooks_healthy=False, now=now)
            worst_shown = max(worst_shown, shown)
            until = now + delay
            while arrivals and arrivals[0] <= until:
                at = arrivals.pop(0)
                sim.clock.advance(max(0.0, at - sim.clock.timestamp()))
                who = rng.choice(customers) if customers and rng.random() < 0.7 else None
                sent = sim.inbound(PAGE_KEY, who, "any news on my order?")
                customers.append(sent["customer_id"])
                created[sent["id"]] = sim.clock.timestamp()
            sim.clock.advance(max(0.0, until - sim.clock.timestamp()))
        calls = adapter.client.request_count
        errors = [r for r in sim.requests if r.status != 200]
        lateness = [seen_at[m] - created[m] for m in seen_at]
        print(
            f"polls={polls} calls={calls} budget={200 * ENGAGED} "
            f"allowance={planner.allowance:.0f} shown={freshness_text(worst_shown)} "
            f"worst_late={max(lateness):.0f}s"
        )
        assert not errors, errors[:3]
        assert calls <= planner.allowance  # the first sync's burst included
        assert len(seen_at) >= len(created) - 2  # the last minutes may still be unseen
        # Every message showed up within the announced freshness (plus the poll itself).
        assert max(lateness) <= worst_shown + 60
        assert "min at this budget" in freshness_text(worst_shown)
        # What the Profiles tab shows for the account.
        line = budget_line(sync, WebhookHealth())
        assert line is not None and "at this budget" in line and "of 2,000 calls left" in line
