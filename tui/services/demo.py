"""Demo mode: the bundled simulator in-process, with live traffic and real everything else."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from tui.services.runtime import Runtime, open_runtime
from tui.simulator import SimClock, Simulator

DEMO_BASE_URL = "http://simulator.linkdeck.invalid"
"""Never resolved: the in-process transport answers every request to it."""


async def open_demo_runtime(
    data_dir: Path | None = None,
    *,
    seed: int = 7,
    traffic_interval: float = 6.0,
) -> tuple[Runtime, Simulator]:
    """A runtime wired to a fresh simulator, with a throwaway folder unless one is given.

    The config and secrets the simulator writes go through the same loading code as a
    user's own, so the demo exercises the real path end to end.
    """
    sim = Simulator(seed, clock=SimClock.live())
    scratch = Path(tempfile.mkdtemp(prefix="linkdeck-demo-"))
    config = sim.write_config(scratch / "config", DEMO_BASE_URL)
    runtime = await open_runtime(config, data_dir or scratch / "data", transport=sim.transport())

    async def traffic(stop: asyncio.Event) -> None:
        await sim.traffic(mean_interval=traffic_interval, stop=stop)

    runtime.extra_tasks.append(traffic)
    runtime.on_close.append(lambda: shutil.rmtree(scratch, ignore_errors=True))
    return runtime, sim
