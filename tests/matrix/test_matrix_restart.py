"""Crashes and outages: the sync killed -9 mid-stream, the homeserver stopped and back."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.matrix.conftest import MatrixRig, open_rig
from tests.synapse import SynapseServer
from tui.domain import AccountState

BURST = 150


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
    writer = threading.Thread(
        target=lambda: [mx.bob.say(room, f"m{n:03d}") for n in range(BURST)], daemon=True
    )
    writer.start()
    try:
        async with asyncio.timeout(60):
            while await count() < 20:
                await asyncio.sleep(0.05)
        sync.send_signal(signal.SIGKILL)
        sync.wait()
        killed_at = await count()
        writer.join(60)
        sync = start()
        async with asyncio.timeout(60):
            while await count() < BURST:
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # any double would show up by now
    finally:
        sync.terminate()
        sync.wait(20)
    texts, message_count, unread = stored(db, room)
    assert 20 <= killed_at < BURST, "the kill landed mid-stream"
    assert texts == [f"m{n:03d}" for n in range(BURST)]
    assert (message_count, unread) == (BURST, BURST)


async def test_homeserver_stopped_and_restarted_sync_resumes(tmp_path: Path) -> None:
    # A homeserver of its own: the shared one stays up for the other tests.
    server = SynapseServer(tmp_path / "hs")
    server.start()
    rig = await open_rig(server, tmp_path)
    try:
        room = rig.dm()
        rig.bob.say(room, "before the outage")
        await rig.engine.run_once()
        sync = rig.engine.accounts[rig.account_id]
        async with rig.live():
            server.stop()
            await rig.until(
                lambda: asyncio.sleep(0, sync.status.state is AccountState.ERROR),
                "the account to show the outage",
            )
            assert "unreachable" in sync.status.detail
            server.start()  # in this thread: the homeserver lives as long as its starter
            rig.bob.say(room, "after the outage")
            sync.wake.set()

            async def back() -> bool:
                return [m.text for m in await rig.messages(room)] == [
                    "before the outage",
                    "after the outage",
                ]

            await rig.until(back, "the message sent after the restart", timeout=90)
        assert sync.status.state is AccountState.CONNECTED
    finally:
        rig.bob.close()
        await rig.adapter.client.aclose()
        await rig.store.close()
        server.stop()
