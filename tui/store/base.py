"""The connection, the write lock and small query helpers every part of the store shares."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite

from tui.domain.models import Conversation
from tui.store.rows import CONVERSATION_COLUMNS, conversation_from_values

_log = logging.getLogger(__name__)

T = TypeVar("T")

FTS_DELAY = 0.25
"""Seconds between a batch's commit and the follow-up that indexes it for search: a
message is searchable this soon (``search`` indexes anything still pending first)."""
FTS_ROWS = 20_000
"""Index at once, before ``apply_batch`` returns, when this many messages wait: FTS5
inserts of 20,000 rows cost less than half per row what 2,000-row ones do."""

ADD_SENDER = (
    "INSERT OR IGNORE INTO senders (account_id, conversation_id, sender_id, sender_name) "
    "VALUES (?, ?, ?, ?)"
)
"""Record who wrote in a conversation under which name (migration 8): every statement
that stores a message runs this for its sender in the same transaction."""
DROP_LONE_SENDERS = (
    "DELETE FROM senders WHERE account_id = ? AND conversation_id = ? AND NOT EXISTS ("
    "SELECT 1 FROM messages m WHERE m.account_id = senders.account_id "
    "AND m.conversation_id = senders.conversation_id "
    "AND m.sender_id = senders.sender_id AND m.sender_name = senders.sender_name)"
)
"""After messages of a conversation (account, conversation) are deleted: forget the
senders and names no message there carries any more."""


def conversations_by_key_sql(count: int) -> str:
    """SELECT the conversations of ``count`` (account_id, remote_id) pairs, bound in order.

    The pairs drive one unique-index lookup each; ``(c.account_id, c.remote_id) IN
    (VALUES ...)`` with more than one pair made SQLite scan every conversation instead
    (20 ms on 50,000 of them, for 10 pairs).
    """
    return (
        f"WITH k(a, r) AS (VALUES {','.join(['(?, ?)'] * count)}) "
        f"SELECT {CONVERSATION_COLUMNS} FROM k "
        "CROSS JOIN conversations c ON c.account_id = k.a AND c.remote_id = k.r"
    )


def read_conversations(
    db: sqlite3.Connection | sqlite3.Cursor, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Conversation]:
    """The stored conversations of these (account_id, remote_id) keys, absent ones left
    out: one statement per 200 keys, not one per key. Plain sqlite3, for the database
    thread (``StoreBase._conversations_for``, and a search's single trip)."""
    found: dict[tuple[str, str], Conversation] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), 200):
        part = wanted[start : start + 200]
        params = [value for key in part for value in key]
        for row in db.execute(conversations_by_key_sql(len(part)), params).fetchall():
            conversation = conversation_from_values(row)
            found[(conversation.account_id, conversation.remote_id)] = conversation
    return found


class StoreError(Exception):
    """The store could not do what was asked (a closed store, a database newer than us)."""


class StoreCorrupt(StoreError):
    """The file exists but SQLite cannot read it as a database (damaged, or not ours)."""


class StoreBase:
    """Holds the one aiosqlite connection; subclasses add the operations."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        # One connection is shared by every caller: a transaction must not interleave with
        # another coroutine's writes, which would silently join (or roll back with) it.
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._fts_waiting = 0
        """Messages committed by this connection and not indexed yet (see fts_pending)."""
        self._fts_timer: asyncio.TimerHandle | None = None
        self._fts_task: asyncio.Task[None] | None = None
        self._closed = False
        self._purges: dict[str, asyncio.Future[int]] = {}
        """Account purges running now, by account (a second call waits for the first)."""

    @property
    def _write_lock(self) -> asyncio.Lock:
        """The write lock of the running loop.

        An asyncio lock belongs to the loop that first waited on it; a store opened in one
        loop and then driven from another (a snapshot test builds its rig in one loop and
        runs the app in a second) would otherwise fail with "bound to a different event
        loop" at the first contended write.
        """
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction, all or nothing, even when the caller is cancelled.

        aiosqlite runs statements on its own thread in the order they were sent: a
        cancelled ``await`` does not stop a BEGIN that was already sent. So BEGIN,
        COMMIT and ROLLBACK are each awaited to the end (cancellation is passed on
        afterwards), and the lock is held until the connection is out of the transaction.
        """
        async with self._write_lock:
            try:
                await self._begin()
                yield self._db
                await self._settle("COMMIT")
            except BaseException:
                await self._settle("ROLLBACK", quiet=True)
                raise

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE; a transaction left open on the connection is rolled back first.

        Only an owner that can no longer finish leaves one open: a task cancelled while its
        event loop was closing (``asyncio.run`` cancels every task, the helper that runs
        the statement too), whose ROLLBACK never ran. Its writes were never reported as
        done, and everything sent before this BEGIN has run (aiosqlite runs statements in
        order), so rolling it back loses nothing anyone was told was stored.
        """
        try:
            await self._settle("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "within a transaction" not in str(exc):
                raise
            _log.warning("a write left unfinished by a closed event loop was rolled back")
            await self._settle("ROLLBACK", quiet=True)
            await self._settle("BEGIN IMMEDIATE")

    # --- the search index, one step behind the messages ---------------------------------

    async def _index_pending(self) -> int:
        """Index every committed message listed in ``fts_pending``; returns how many.

        One transaction: the index rows and the emptied list commit together, so a crash
        leaves the list whole for the next open (or the next call) to finish.
        """
        self._cancel_fts_timer()
        self._fts_waiting = 0
        async with self._transaction() as db:
            async with db.execute(
                "INSERT INTO messages_fts (rowid, text) SELECT m.id, m.text FROM fts_pending p "
                "CROSS JOIN messages m ON m.id = p.id WHERE m.text != ''"
            ) as cur:
                indexed = max(cur.rowcount, 0)
            await db.execute("DELETE FROM fts_pending")
        return indexed

    async def _index_if_pending(self) -> None:
        """Before reading the index: bring it up to date (another process may have written)."""
        if self._fts_waiting or await self._scalar("SELECT EXISTS (SELECT 1 FROM fts_pending)"):
            await self._index_pending()

    async def _messages_committed(self, count: int) -> None:
        """``count`` new messages were committed: index them now, or very soon."""
        if count <= 0:
            return
        self._fts_waiting += count
        if self._fts_waiting >= FTS_ROWS:
            await self._index_pending()
        elif self._fts_timer is None:
            loop = asyncio.get_running_loop()
            self._fts_timer = loop.call_later(FTS_DELAY, self._start_index_task)

    def _start_index_task(self) -> None:
        self._fts_timer = None
        if self._closed or (self._fts_task is not None and not self._fts_task.done()):
            return
        self._fts_task = asyncio.ensure_future(self._index_in_background())

    async def _index_in_background(self) -> None:
        try:
            await self._index_pending()
        except (sqlite3.Error, ValueError) as exc:
            # The rows stay listed in fts_pending: the next search, batch or open retries.
            if not self._closed:
                _log.warning("search index update failed, will retry: %s", exc)
                self._fts_waiting = max(self._fts_waiting, 1)
                loop = asyncio.get_running_loop()
                self._fts_timer = loop.call_later(FTS_DELAY * 4, self._start_index_task)

    def _cancel_fts_timer(self) -> None:
        if self._fts_timer is not None:
            self._fts_timer.cancel()
            self._fts_timer = None

    async def _settle(self, sql: str, *, quiet: bool = False) -> None:
        """Run ``sql`` to completion even if this task is cancelled meanwhile."""

        async def run() -> None:
            try:
                await self._db.execute(sql)
            except sqlite3.OperationalError:
                if not quiet:  # ROLLBACK with no transaction left is fine
                    raise

        task = asyncio.ensure_future(run())
        cancelled = False
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError
        task.result()

    async def _write(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the rows it changed."""
        async with self._transaction() as db, db.execute(sql, params) as cur:
            return cur.rowcount

    async def _all(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> list[sqlite3.Row]:
        # One trip to aiosqlite's thread (execute, fetch and close a cursor were three:
        # each trip costs more than a keyed SQLite lookup).
        return list(await self._db.execute_fetchall(sql, params))

    async def _on_db_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` with the plain sqlite3 connection on aiosqlite's thread: one trip,
        however many statements ``fn`` runs, queued in order with every other statement.

        A trip (a hand-off to the thread and back to the loop) costs about as much as a
        keyed lookup; a search that needs four queries makes one trip this way.
        aiosqlite (0.22) has no public call for this: ``Connection._execute`` is the queue
        all its public methods go through and ``_conn`` the connection its thread owns.
        This is the only place that uses them (tests/store/test_search.py checks it).
        ``fn`` must not await, commit or begin: it runs between other callers' statements.
        """
        db = self._db
        result: T = await db._execute(lambda: fn(db._conn))  # type: ignore[no-untyped-call]
        return result

    async def _one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row | None:
        """The first row; only for keyed lookups and aggregates (every row is read)."""
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self._one(sql, params)
        return None if row is None else row[0]

    async def get_conversation(self, account_id: str, remote_id: str) -> Conversation | None:
        row = await self._one(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations c "
            "WHERE c.account_id = ? AND c.remote_id = ?",
            (account_id, remote_id),
        )
        return None if row is None else conversation_from_values(row)

    async def conversations_by_key(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Conversation]:
        """The stored conversations of these (account_id, remote_id) keys; absent ones
        are left out."""
        return await self._conversations_for(keys)

    async def _conversations_for(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Conversation]:
        wanted = list(dict.fromkeys(keys))
        return await self._on_db_thread(lambda db: read_conversations(db, wanted))

    async def _refresh_summary(self, account_id: str, remote_id: str) -> None:
        """Recompute a conversation's summary from its messages (after deletes and purges),
        in the caller's transaction: it runs on the same connection, in its turn."""
        await self._on_db_thread(lambda db: refresh_summaries(db, account_id, [remote_id]))


def refresh_summaries(db: sqlite3.Connection, account_id: str, remote_ids: Sequence[str]) -> None:
    """Recompute these conversations' summaries from their messages, on the database
    thread (one statement for all of them, however many)."""
    keys = [{"a": account_id, "c": remote_id} for remote_id in remote_ids]
    db.executemany(
        f"""
        UPDATE conversations SET
            message_count = (SELECT COUNT(*) FROM messages m
                             WHERE m.account_id = :a AND m.conversation_id = :c),
            last_inbound_at = (SELECT MAX(created_at) FROM messages m
                               WHERE m.account_id = :a AND m.conversation_id = :c
                               AND m.from_us = 0),
            snippet = COALESCE((SELECT {SNIPPET_SQL} FROM messages m
                                WHERE m.account_id = :a AND m.conversation_id = :c
                                ORDER BY m.created_at DESC, m.remote_id DESC LIMIT 1), ''),
            last_from_us = COALESCE((SELECT m.from_us FROM messages m
                                     WHERE m.account_id = :a AND m.conversation_id = :c
                                     ORDER BY m.created_at DESC, m.remote_id DESC LIMIT 1), 0),
            answered = EXISTS (SELECT 1 FROM messages m
                               WHERE m.account_id = :a AND m.conversation_id = :c
                               AND m.from_us = 1),
            -- Every right-hand side sees the old row: the count is taken again here.
            unread_count = MIN(unread_count, (SELECT COUNT(*) FROM messages m
                               WHERE m.account_id = :a AND m.conversation_id = :c))
        WHERE account_id = :a AND remote_id = :c
        """,
        keys,
    )


SNIPPET_CHARS = 200

# What the inbox list shows for a message: its text, else its reaction, else a placeholder.
SNIPPET_SQL = (
    f"CASE WHEN m.text != '' THEN substr(m.text, 1, {SNIPPET_CHARS}) "
    "WHEN m.reaction IS NOT NULL THEN m.reaction "
    "WHEN m.attachments != '[]' THEN '[attachment]' ELSE '' END"
)
