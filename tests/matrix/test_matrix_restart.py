"""Crashes and outages: the sync killed -9 mid-stream, the homeserver stopped and back."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

from tests.matrix.conftest import MatrixRig
from tests.synapse import SynapseServer
from tui.domain import AccountState
from tui.services.matrix_sync import matrix_pacer
from tui.services.pacing import Pacer

BURST = 80


def write_config(folder: Path, rig: MatrixRig) -> Path:
    config = folder / "config.toml"
    config.write_text(
        "[[accounts]]\n"
        'id = "mx"\n'
        'platform = "matrix"\n'
        f'user_id = "{rig.me.user_id}"\n'
        f'homeserver = "{rig.server.url}"\n'
        f'device_id = "{rig.me.device_id}"\n'
        'token_env = "LINKDECK_TEST_MATRIX_TOKEN"\n'
    )
    return config


def stored(db: Path, room: str) -> tuple[list[str], int, int]:
    """Message texts (oldest first) and the conversation's message and unread counts."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        texts = [
            r[0]
            for r in con.execute(
                "SELECT text FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid",
                (room,),
            )
        ]
        row = con.execute(
            "SELECT message_count, unread_count FROM conversations WHERE remote_id = ?", (room,)
        ).fetchone()
    return texts, *(row or (0, 0))


async def test_sync_killed_mid_stream_and_restarted_loses_and_doubles_nothing(
    mx: MatrixRig, tmp_path: Path
) -> None:
    room = mx.dm()
    config = write_config(tmp_path, mx)
    data = tmp_path / "data"
    env = {**os.environ, "LINKDECK_TEST_MATRIX_TOKEN": mx.me.access_token}
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
    db = data / "linkdeck.db"

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def count() -> int:
        try:
            return len(stored(db, room)[0]) if db.exists() else 0
        except sqlite3.OperationalError:  # created, not yet migrated
            return 0

    sync = start()
    mx.bob.say(room, "m000")
    writer = threading.Thread(
        target=lambda: [mx.bob.say(room, f"m{n:03d}") for n in range(1, BURST)], daemon=True
    )
    try:
        async with asyncio.timeout(60):
            # The burst starts once the service is up (its first message stored), so the
            # kill lands mid-burst however long the service takes to start.
            while await count() < 1:
                await asyncio.sleep(0.05)
            writer.start()
            while await count() < 20:
                await asyncio.sleep(0.05)
        sync.send_signal(signal.SIGKILL)
        sync.wait()
        killed_at = await count()
        writer.join(60)
        sync = start()
        async with asyncio.timeout(60):
            while await count() < BURST:
                await asyncio.sleep(0.05)
            # Two fences, one after the other is stored: by then the restarted service has
            # finished the sync (and backfill) step that stored the burst's end, so any
            # double would be in the store.
            for fence in ("fence 1", "fence 2"):
                mx.bob.say(room, fence)
                while fence not in stored(db, room)[0]:
                    await asyncio.sleep(0.05)
    finally:
        sync.terminate()
        sync.wait(20)
    texts, message_count, unread = stored(db, room)
    assert 20 <= killed_at < BURST, "the kill landed mid-stream"
    assert texts == [f"m{n:03d}" for n in range(BURST)] + ["fence 1", "fence 2"]
    assert (message_count, unread) == (BURST + 2, BURST + 2)


SCALE = 0.01
"""The reconnect schedule runs at this speed in the outage test (see its docstring)."""


def steps_to_cap(pacer: Pacer) -> int:
    """How many failures it takes for the retry delay to reach its cap."""
    n = 1
    while pacer.max_delay_after(n) < pacer.backoff_cap:
        n += 1
    return n


def test_the_reconnect_schedule_spans_a_minute_and_never_gives_up() -> None:
    pacer = matrix_pacer(Pacer(20.0))
    full = steps_to_cap(pacer)
    cycle = sum(pacer.max_delay_after(n) for n in range(1, full + 1))
    assert 60 <= cycle <= 90, "one pass through the schedule lasts about a minute"
    assert pacer.max_delay_after(full) == pacer.max_delay_after(10_000) == 30.0


async def test_homeserver_stopped_for_a_whole_reconnect_cycle_sync_resumes(
    mx: MatrixRig, synapse: SynapseServer
) -> None:
    """The shared homeserver stopped for "a minute" and started again.

    What an outage does to the client is set by its reconnect schedule: 1 s doubling to
    a 30 s cap, never giving up (``matrix_pacer``; the test above shows one pass lasts
    about a minute). Once the wait has reached the cap, a longer outage only repeats
    that same wait. So the outage here lasts exactly as long as the client needs to fail
    through the whole schedule and wait at the cap once more, with the schedule run 100
    times faster so the minute passes in about a second. The homeserver really stops
    and restarts, and nothing wakes the client: it comes back on its own schedule, and
    the messages on both sides of the outage are stored once each.
    """
    room = mx.dm()
    mx.bob.say(room, "before the outage")
    await mx.engine.run_once()
    sync = mx.engine.accounts[mx.account_id]
    sync.pacer = replace(
        sync.pacer,
        backoff_base=sync.pacer.backoff_base * SCALE,
        backoff_cap=sync.pacer.backoff_cap * SCALE,
        min_interval=sync.pacer.min_interval * SCALE,
    )
    full_cycle = steps_to_cap(sync.pacer) + 1
    try:
        async with mx.live():
            mx.bob.say(room, "just before")
            synapse.stop()

            async def cycled() -> bool:
                return sync.pacer.failures >= full_cycle

            await mx.until(cycled, "the client to fail through its whole reconnect schedule")
            assert sync.status.state is AccountState.ERROR
            assert "unreachable" in sync.status.detail
            synapse.start()  # in this thread: the homeserver lives as long as its starter
            mx.bob.say(room, "after the outage")

            async def back() -> bool:
                return len(await mx.messages(room)) >= 3

            await mx.until(back, "the message sent after the restart", timeout=60)
            await mx.engine.run_once()  # one more sync: a double would show now
        assert [m.text for m in await mx.messages(room)] == [
            "before the outage",
            "just before",
            "after the outage",
        ]
        assert sync.status.state is AccountState.CONNECTED
    finally:
        if synapse.process is None:
            synapse.start()
