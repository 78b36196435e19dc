"""Without webhooks, unsends and edits are found by re-reading the recent window."""

from __future__ import annotations

from pathlib import Path

from tests.sync_rig import one_account_sync
from tui.services.budget import BudgetPlanner
from tui.simulator.clock import SimClock
from tui.simulator.core import Simulator
from tui.simulator.world import IG_PAGE_KEY


async def test_the_recent_window_catches_unsends_and_edits(tmp_path: Path) -> None:
    sim = Simulator(9, clock=SimClock.fixed(), conversations_per_account=3)
    async with one_account_sync(sim, IG_PAGE_KEY, tmp_path) as rig:
        store, sync = rig.store, rig.sync
        sync.planner = BudgetPlanner(configured_engaged=50)
        while (await sync.step()) == 0.25:  # the first sync and its backfill
            pass
        oops = sim.inbound(IG_PAGE_KEY, None, "my password is hunter2")
        typo = sim.inbound(IG_PAGE_KEY, oops["customer_id"], "see you at 5")
        sim.clock.advance(60)
        await sync.step()
        assert await store.search("hunter2")
        sim.clock.advance(20 * 60)
        sim.unsend(oops["id"])
        sim.edit(typo["id"], "see you at 6")
        sim.clock.advance(6 * 3600)
        await sync.step()
        rows = await store.messages_page(IG_PAGE_KEY, oops["conversation_id"], None, 50)
        by_id = {m.remote_id: m for m in rows}
        assert by_id[oops["id"]].removed and by_id[oops["id"]].text == ""
        assert await store.search("hunter2") == []
        assert (by_id[typo["id"]].text, by_id[typo["id"]].edited) == ("see you at 6", True)
