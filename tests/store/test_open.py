"""Opening: migrations from an empty file, reopening, file modes, refusing foreign files."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.store.conftest import msg
from tui.domain.models import Platform
from tui.store import Store, StoreError
from tui.store.schema import SCHEMA_VERSION


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_migrates_an_empty_file_and_reopens(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    store = await Store.open(db_path)
    await store.apply_batch(
        "bakery", platform=Platform.MESSENGER, messages=[msg("m1", "kept")], cursors={"c": "1"}
    )
    await store.close()
    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    check.close()
    again = await Store.open(db_path)
    try:
        assert await again.counts("bakery") == (1, 1)
        assert await again.get_cursor("bakery", "c") == "1"
        assert [h.message.remote_id for h in await again.search("kept")] == ["m1"]
        for pragma in ("foreign_keys", "secure_delete"):
            async with again._db.execute(f"PRAGMA {pragma}") as cur:
                row = await cur.fetchone()
            assert row is not None and row[0] == 1, pragma
    finally:
        await again.close()


async def test_modes_of_folder_database_and_wal_files(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "fresh" / "nested" / "linkdeck.db"
        store = await Store.open(path)
        await store.apply_batch("bakery", platform=Platform.MESSENGER, messages=[msg("m1")])
        try:
            assert mode(path.parent) == 0o700
            assert mode(path) == 0o600
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                assert side.exists()
                assert mode(side) == 0o600
        finally:
            await store.close()
    finally:
        os.umask(old)


async def test_a_readable_old_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "linkdeck.db"
    path.touch()
    os.chmod(path, 0o644)
    store = await Store.open(path)
    await store.close()
    assert mode(path) == 0o600


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "linkdeck.db"
    path.write_bytes(b"this is a text file, not SQLite" * 100)
    with pytest.raises(StoreError, match="not a usable database"):
        await Store.open(path)


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "linkdeck.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        await Store.open(path)


async def test_a_write_cancelled_midway_never_wedges_the_connection(tmp_path) -> None:
    """Unlinking during a sync cancels writes; every later write must still work."""
    import asyncio

    from tui.domain import ActivityEvent

    store = await Store.open(tmp_path / "c.db")
    try:
        at = datetime(2026, 11, 25, tzinfo=UTC)
        for delay_steps in range(6):
            task = asyncio.create_task(
                store.log_activity(ActivityEvent(at=at, kind="send", summary=f"try {delay_steps}"))
            )
            for _ in range(delay_steps):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.log_activity(ActivityEvent(at=at, kind="send", summary="after"))
        summaries = [e.summary for e in await store.activity_page(limit=50)]
        assert "after" in summaries
        assert len(summaries) == len(set(summaries)), "nothing written twice"
    finally:
        await store.close()
