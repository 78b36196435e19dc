"""Demo mode: the bundled simulator in-process, with live traffic and real everything else."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

from tui.services.budget import plan_accounts
from tui.services.runtime import LOCK_NAME, Runtime, open_runtime, webhook_receiver
from tui.simulator import SimClock, Simulator
from tui.simulator.ratelimit import DEMO_ENGAGED_USERS

SCRATCH_PREFIX = "linkdeck-demo-"
ABANDONED_AFTER = 120.0
"""Seconds after which an unlocked demo folder is surely left over from a killed demo."""
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
    sweep_abandoned()
    sim = Simulator(seed, clock=SimClock.live())
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    config = sim.write_config(scratch / "config", DEMO_BASE_URL)
    runtime = await open_runtime(config, data_dir or scratch / "data", transport=sim.transport())

    async def traffic(stop: asyncio.Event) -> None:
        await sim.traffic(mean_interval=traffic_interval, stop=stop)

    runtime.extra_tasks.append(traffic)
    use_webhooks(runtime, sim)
    runtime.on_close.append(lambda: shutil.rmtree(scratch, ignore_errors=True))
    return runtime, sim


def use_webhooks(runtime: Runtime, sim: Simulator) -> None:
    """The demo's real time is Meta's: the simulator's signed webhooks to a real receiver on
    loopback; polling plans inside the budget of a Page with 50 engaged people."""

    def subscribe(host: str, port: int) -> None:
        path = runtime.prefs.webhooks.path
        sim.webhooks.configure({"url": f"http://{host}:{port}{path}"})

    runtime.extra_tasks.append(
        webhook_receiver(
            runtime,
            "demo-verify-token",
            sim.world.app_secret,
            host="127.0.0.1",
            port=0,
            on_listening=subscribe,
        )
    )
    runtime.extra_tasks.append(sim.webhooks.run)
    plan_accounts(
        runtime.engine.accounts,
        share=runtime.prefs.webhooks.budget_share,
        engaged_users=DEMO_ENGAGED_USERS,
        health=runtime.webhook_health,
        meta_hosted=lambda _account: True,
    )


def sweep_abandoned(root: Path | None = None) -> int:
    """Remove throwaway demo folders that a killed demo left behind; returns how many.

    A folder is left alone while its demo runs (it holds the data folder's lock) and for a
    short while after it was made (a demo starting right now has no lock yet).
    """
    base = Path(root or tempfile.gettempdir())
    removed = 0
    for folder in base.glob(SCRATCH_PREFIX + "*"):
        try:
            if not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
            if time.time() - folder.stat().st_mtime < ABANDONED_AFTER:
                continue
            if _in_use(folder / "data" / LOCK_NAME):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _in_use(lock: Path) -> bool:
    try:
        handle = open(lock, "a+")  # noqa: SIM115 (closed below either way)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        handle.close()
    return False
