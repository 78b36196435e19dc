"""Polling cost and freshness against the simulator.

Request counts come from the real runtime (adapters, engine, store) on the in-process
simulator with a frozen clock: an idle poll per account, then N new messages spread
over k conversations. The baseline is a naive poller that lists the conversations and
reads every one of them each cycle (1 + conversations requests).

Freshness runs the dashboard for real in a pty against ``linkdeck simulate`` on
loopback, with ``poll_seconds`` = 2: a new customer writes through ``POST /_sim/inbound``
and we time until their name is on screen. Messages arrive at random moments 2 to 3.5 s
apart, which keeps the engine at its active pace of one poll every 2 s.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import Result, median
from bench.pty_run import PtyApp
from tui.services.runtime import open_runtime
from tui.simulator import SimClock, Simulator

POLL_SECONDS = 2.0
SLACK_MS = 100.0


async def _request_counts(n: int, k: int) -> tuple[dict[str, int], int, int, int]:
    sim = Simulator(11, clock=SimClock.fixed())
    with tempfile.TemporaryDirectory() as tmp:
        config = sim.write_config(Path(tmp) / "cfg", "http://sim.test")
        runtime = await open_runtime(config, Path(tmp) / "data", transport=sim.transport())
        try:
            await runtime.engine.run_once()
            idle = {}
            for account_id, sync in runtime.engine.accounts.items():
                sim.clock.advance(30)
                idle[account_id] = (await sync.poll_once()).requests
            inbox = sim.world.inbox("demo-page")
            assert inbox is not None
            customers = [c.customer.id for c in inbox.conversations[:k]]
            sim.clock.advance(30)
            for i in range(n):
                sim.inbound("demo-page", customers[i % k], f"burst message {i}")
            report = await runtime.engine.accounts["demo-page"].poll_once()
            assert len(report.new_messages) == n, "the burst was not stored whole"
            return idle, report.requests, len(inbox.conversations), report.changed_conversations
        finally:
            await runtime.close()


def _post(url: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _freshness(samples: int) -> list[float]:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "cfg"
        sim = subprocess.Popen(
            [sys.executable, "-m", "tui", "simulate", "--port", "0", "--write-config", str(cfg)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert sim.stdout is not None
            match = re.search(r"http://127\.0\.0\.1:\d+", sim.stdout.readline())
            assert match, "the simulator did not start"
            base = match.group(0)
            sim.stdout.readline()  # "wrote config.toml": it is on disk now
            config = cfg / "config.toml"
            text = config.read_text()
            config.write_text(f"[ui]\npoll_seconds = {POLL_SECONDS}\n\n{text}")
            app = PtyApp(
                [sys.executable, "-m", "tui", "--config", str(config), "--data-dir", f"{tmp}/d"]
            )
            try:
                app.wait_for_text("Inbox", timeout=60)
                time.sleep(POLL_SECONDS * 2)  # the first sync and its backfill land
                app.drain(quiet=0.2)
                latencies = []
                for n in range(samples):
                    time.sleep(rng.uniform(0.0, 1.5))
                    name = f"Probe{n:03d} Fresh"
                    app.output.clear()
                    started = time.perf_counter()
                    _post(
                        f"{base}/_sim/inbound", {"account": "demo-page", "text": "hi", "name": name}
                    )
                    app.started = started
                    latencies.append(app.wait_for_text(name, timeout=30))
                return latencies
            finally:
                app.close()
        finally:
            sim.send_signal(signal.SIGINT)
            sim.wait(10)


def run(n: int, k: int, samples: int) -> list[Result]:
    idle, burst, conversations, changed = asyncio.run(_request_counts(n, k))
    naive = 1 + conversations
    worst_idle = max(idle.values())
    latencies = _freshness(samples)
    worst_ms, mid_ms = max(latencies) * 1000, median(latencies) * 1000
    goal_ms = POLL_SECONDS * 1000 + SLACK_MS
    return [
        Result(
            "polling: requests per idle cycle per account",
            "1",
            ", ".join(f"{a} {c}" for a, c in idle.items()),
            f"{worst_idle}/1; naive poller {naive} per cycle",
            worst_idle <= 1,
        ),
        Result(
            f"polling: {n} new messages in {k} conversations",
            f"<= k + 1 = {k + 1} (plus pages)",
            f"{burst} requests ({changed} conversations changed)",
            f"{burst / (k + 1):.2f}x of k+1; naive poller {naive}",
            burst <= k + 1,
        ),
        Result(
            f"polling: message injected -> row on screen (x{len(latencies)})",
            f"<= poll interval ({POLL_SECONDS:.0f} s) + {SLACK_MS:.0f} ms",
            f"median {mid_ms:.0f} ms, max {worst_ms:.0f} ms",
            f"max {worst_ms / (POLL_SECONDS * 1000):.2f}x the interval",
            worst_ms <= goal_ms,
        ),
    ]
