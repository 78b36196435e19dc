"""SIGKILL a running `linkdeck sync` again and again: every message lands exactly once."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.simulator import SimClock, Simulator, serve

TOTAL = 10_000
CUSTOMERS = 40
TRIALS = 8


class SimThread:
    """The simulator on loopback in a thread of its own, feeding messages as it goes."""

    def __init__(self) -> None:
        self.sim = Simulator(seed=3, clock=SimClock.live())
        # This test is about crashes, not throttling: lift the buckets out of the way.
        self.sim.configure(
            {
                "rate": {
                    "conversations_per_second": 10_000,
                    "conversations_burst": 10_000,
                    "hourly_budget": 10_000_000,
                    "app_hourly_budget": 10_000_000,
                }
            }
        )
        self.url = ""
        self.fed = 0
        self.ready = threading.Event()
        self.stop: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        async with serve(self.sim) as url:
            self.url = url
            self.ready.set()
            customers = [f"99000000000{n:05d}" for n in range(CUSTOMERS)]
            while self.fed < TOTAL:
                for _ in range(100):
                    n = self.fed
                    self.sim.inbound("demo-page", customers[n % CUSTOMERS], f"order #{n}")
                    self.fed += 1
                await asyncio.sleep(0.02)
            await self.stop.wait()

    def close(self) -> None:
        if self.loop is not None and self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)


@pytest.fixture
def feeding_simulator() -> Iterator[SimThread]:
    sim = SimThread()
    sim.thread.start()
    assert sim.ready.wait(10)
    try:
        yield sim
    finally:
        sim.close()


def test_sigkill_during_ingest_loses_and_duplicates_nothing(
    feeding_simulator: SimThread, tmp_path: Path
) -> None:
    config = feeding_simulator.sim.write_config(tmp_path / "cfg", feeding_simulator.url)
    text = config.read_text().replace("[[accounts]]", "[ui]\npoll_seconds = 1\n\n[[accounts]]", 1)
    config.write_text(text)
    data = tmp_path / "data"
    command = [
        sys.executable,
        "-m",
        "tui",
        "sync",
        "--config",
        str(config),
        "--data-dir",
        str(data),
    ]
    rng = random.Random(5)
    kills = 0
    for _ in range(TRIALS):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 2.0))
        proc.kill()
        proc.wait(5)
        kills += proc.returncode == -9
    assert kills == TRIALS
    deadline = time.monotonic() + 30
    while feeding_simulator.fed < TOTAL and time.monotonic() < deadline:
        time.sleep(0.1)
    final = subprocess.run([*command[:4], "--once", *command[4:]], capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()

    db = sqlite3.connect(data / "linkdeck.db")
    rows = db.execute(
        "SELECT remote_id, text FROM messages"
        " WHERE account_id = 'demo-page' AND text LIKE 'order #%'"
    ).fetchall()
    db.close()
    texts = [text for _id, text in rows]
    assert len(texts) == TOTAL, f"{TOTAL - len(set(texts))} lost"
    assert len(set(texts)) == TOTAL, "a message was stored twice"
    expected = {
        m.id
        for c, m in feeding_simulator.sim.world.messages.values()
        if m.text.startswith("order #")
    }
    assert {remote_id for remote_id, _ in rows} == expected
