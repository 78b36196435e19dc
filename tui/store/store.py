"""The Linkdeck store: one SQLite database (WAL, FTS5) behind one aiosqlite connection."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import stat
from pathlib import Path

import aiosqlite

from tui.store.base import StoreCorrupt, StoreError
from tui.store.batch import BatchMixin
from tui.store.drafts import DraftsMixin
from tui.store.grouped import GroupedMixin
from tui.store.inbox import InboxMixin
from tui.store.maintenance import MaintenanceMixin
from tui.store.outbox import OutboxMixin
from tui.store.schema import migrate
from tui.store.webhooks import WebhookMixin

_log = logging.getLogger(__name__)

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    # In WAL mode NORMAL is still safe against corruption; a power cut may lose the last
    # commits, which the sync engine refetches because their cursors were lost with them.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    # Privacy purges must not leave deleted text readable in free pages.
    "PRAGMA secure_delete = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -16000",
)


def _prepare_file(path: Path) -> None:
    """Create the folder (0700) and the database file (0600) before SQLite touches them."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    # SQLite gives -wal and -shm the database file's mode, so getting this one right is
    # enough; tighten a file an older version may have left readable by others.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists() and stat.S_IMODE(side.stat().st_mode) != 0o600:
            os.chmod(side, 0o600)


class Store(
    BatchMixin, DraftsMixin, GroupedMixin, InboxMixin, MaintenanceMixin, OutboxMixin, WebhookMixin
):
    """Everything Linkdeck keeps on disk. Open one per process; close it on exit."""

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating and migrating as needed) the database at ``path``.

        Raises:
            StoreError: the file is not a Linkdeck database, or a newer one.
        """
        path = Path(path)
        _prepare_file(path)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            db.row_factory = aiosqlite.Row
            for pragma in _PRAGMAS:
                await db.execute(pragma)
            await migrate(db)
        except RuntimeError as exc:
            await db.close()
            raise StoreError(str(exc)) from None
        except aiosqlite.DatabaseError as exc:
            await db.close()
            raise StoreCorrupt(f"{path.name} is not a usable database: {exc}") from None
        except BaseException:
            await db.close()
            raise
        store = cls(db)
        try:
            # Messages a crash left committed but not indexed become searchable now.
            await store._index_if_pending()
        except BaseException:
            await db.close()
            raise
        return store

    async def index_now(self) -> None:
        """Index the messages committed since the last follow-up now, not on its timer,
        after waiting for a follow-up already running. Afterwards nothing of the search
        index is scheduled or in flight on this event loop: :meth:`close` starts with it,
        and so does a caller about to leave the loop it used the store in.

        Raises:
            sqlite3.Error: the index could not be written (the rows stay listed in
                ``fts_pending``; the next follow-up, search or open indexes them).
        """
        self._cancel_fts_timer()
        task = self._fts_task
        # A task of another event loop (a closed one: a test built the store in one
        # asyncio.run and closes it in another) can never finish here: its rows are still
        # listed in fts_pending and are indexed just below.
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            await asyncio.wait([task])
        if self._fts_waiting and not self._closed:
            await self._index_pending()

    async def close(self) -> None:
        """Index what is still pending (so a search by the next process needs no write),
        then close the connection."""
        try:
            await self.index_now()
        except sqlite3.Error as exc:  # kept in fts_pending: the next open finishes it
            _log.warning("search index update failed at close: %s", exc)
        async with self._write_lock:
            self._closed = True
            await self._db.close()

    async def get_cursor(self, account_id: str, name: str) -> str | None:
        value = await self._scalar(
            "SELECT value FROM cursors WHERE account_id = ? AND name = ?", (account_id, name)
        )
        return None if value is None else str(value)

    async def cursors(self, account_id: str) -> dict[str, str]:
        rows = await self._all(
            "SELECT name, value FROM cursors WHERE account_id = ? ORDER BY name", (account_id,)
        )
        return {r[0]: r[1] for r in rows}

    async def platforms(self) -> dict[str, str]:
        """Which platform each stored account is on (from its conversations)."""
        rows = await self._all("SELECT DISTINCT account_id, platform FROM conversations")
        return {r[0]: r[1] for r in rows}
