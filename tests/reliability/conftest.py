"""Shared rigs for the reliability suite: the simulator on loopback in a thread, CLI runs."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.simulator import SimClock, Simulator, serve

ROOT = Path(__file__).resolve().parents[2]
LINKDECK = [sys.executable, "-m", "tui"]
NO_LIMITS = {
    "rate": {
        "conversations_per_second": 10_000,
        "conversations_burst": 10_000,
        "hourly_budget": 10_000_000,
        "app_hourly_budget": 10_000_000,
    }
}


class LoopbackSim:
    """A :class:`Simulator` served on loopback from a thread of its own.

    Tests in the main thread drive it through :meth:`call` (run a function on the
    simulator's loop) or over HTTP with :meth:`post`, like any outside client.
    """

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self.sim) as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def start(self) -> LoopbackSim:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the simulator did not start")
        return self

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the simulator's own loop (its state is not thread-safe)."""
        assert self._loop is not None

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def write_config(self, folder: Path, *, poll_seconds: float | None = None) -> Path:
        config = self.call(lambda: self.sim.write_config(folder, self.url))
        assert isinstance(config, Path)
        if poll_seconds is not None:
            text = config.read_text()
            config.write_text(f"[ui]\npoll_seconds = {poll_seconds}\n\n{text}")
        return config

    def remote_ids(self) -> set[tuple[str, str]]:
        """(account, message id) of every message in the simulated world."""

        def collect() -> set[tuple[str, str]]:
            found: set[tuple[str, str]] = set()
            for key, inbox in self.sim.world.inboxes.items():
                for conv in inbox.conversations:
                    found.update((key, m.id) for m in conv.messages)
            return found

        result = self.call(collect)
        assert isinstance(result, set)
        return result


@pytest.fixture
def loopback() -> Iterator[Callable[..., LoopbackSim]]:
    """Start simulators on loopback (``loopback(seed=.., conversations_per_account=..)``)."""
    started: list[LoopbackSim] = []

    def start(seed: int = 5, *, limits: bool = False, **kw: Any) -> LoopbackSim:
        sim = Simulator(seed, clock=SimClock.live(), **kw)
        if not limits:
            sim.configure(NO_LIMITS)
        rig = LoopbackSim(sim).start()
        started.append(rig)
        return rig

    yield start
    for rig in started:
        rig.stop()


def cli(*args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    """``linkdeck ARGS`` to completion, output captured as text."""
    return subprocess.run(
        [*LINKDECK, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kw
    )


def spawn(*args: str, **kw: Any) -> subprocess.Popen[str]:
    """``linkdeck ARGS`` in the background, stderr captured."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **kw.pop("env", {})}
    return subprocess.Popen(
        [*LINKDECK, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        **kw,
    )


def stored_ids(database: Path) -> list[tuple[str, str]]:
    """(account, remote id) of every stored message, duplicates kept."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return [(a, r) for a, r in db.execute("SELECT account_id, remote_id FROM messages")]
    finally:
        db.close()


def message_count(database: Path) -> int:
    """How many messages are committed so far (0 while the file is not there yet)."""
    if not database.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
        try:
            return int(db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def integrity(database: Path) -> tuple[str, str]:
    """SQLite's integrity check and the FTS index's own check, on a closed database."""
    db = sqlite3.connect(database)
    try:
        pragma = db.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
            fts = "ok"
        except sqlite3.DatabaseError as exc:
            fts = str(exc)
        return str(pragma), fts
    finally:
        db.close()
