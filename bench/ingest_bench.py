"""Ingest with the search index current, against two floors measured in the same run.

- Floor 1, raw ``executemany``: the same rows, same batches, into a plain table with no
  index, no FTS, no upsert (``bench.ingest.bench_raw``). Goal: the store >= 0.5x its rate.
- Floor 2, the store's own SQL through plain sqlite3: every statement ``Store.apply_batch``
  sent (recorded from a first, untimed run with the same batches, at the plain sqlite3
  connection under aiosqlite: the upserts, lookups, summaries, cursors, the
  ``fts_pending`` list and the FTS follow-ups, transactions included) replayed in order
  on a fresh file with the same schema. What is left is the store's Python layer
  (validation, building rows, summaries, the aiosqlite thread hop). Goal: <= 1.1x.

The store's time runs until the last message is indexed (``Store.close`` finishes the
follow-up), so the index is never left behind to look fast. Runs alternate (raw, replay,
store) and the median of ``rounds`` is reported.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Result, median
from bench.ingest import bench_raw, make_messages
from tui.domain.models import InboxMessage, Platform
from tui.store import Store
from tui.store.schema import MIGRATIONS, split_statements

GOAL_RAW = 0.5
GOAL_PYTHON = 1.1

Call = tuple[str, str, Any]


async def _store_run(
    path: Path,
    messages: list[InboxMessage],
    batch: int,
    record: list[Call] | None = None,
    *,
    prepare: Callable[[Store], None] | None = None,
) -> float:
    """Seconds for ``Store.apply_batch`` of every batch and the closing follow-up;
    ``record`` collects every statement sent, ``prepare`` sees the open store first."""
    store = await Store.open(path)
    if record is not None:
        _record(store, record)
    if prepare is not None:
        prepare(store)
    started = time.perf_counter()
    for i in range(0, len(messages), batch):
        part = messages[i : i + batch]
        await store.apply_batch(
            "bench",
            platform=Platform.MESSENGER,
            messages=part,
            cursors={"conversations": part[-1].remote_id},
        )
    await store.close()  # waits for the last FTS follow-up
    return time.perf_counter() - started


class _Recording:
    """The store's sqlite3 connection, logging every statement sent through it.

    Recorded at the plain sqlite3 connection, below aiosqlite: the statements aiosqlite
    sends and those a function run on its thread sends (``StoreBase._on_db_thread``) all
    pass here, in the order they ran.
    """

    def __init__(self, conn: sqlite3.Connection, calls: list[Call]) -> None:
        self._conn = conn
        self._calls = calls

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        self._calls.append(("execute", sql, parameters))
        return self._conn.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any) -> sqlite3.Cursor:
        rows = list(parameters)
        self._calls.append(("executemany", sql, rows))
        return self._conn.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _record(store: Store, calls: list[Call]) -> None:
    """Log every statement the store sends from now on (sql and parameters, in order)."""
    db = store._db  # the benchmark looks inside on purpose
    db._connection = _Recording(db._conn, calls)  # type: ignore[assignment]


def replay_connection(path: Path) -> sqlite3.Connection:
    """A fresh file with the store's schema and connection settings, on plain sqlite3."""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("PRAGMA secure_delete = ON")
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("PRAGMA cache_size = -16000")
    for migration in MIGRATIONS:
        for statement in split_statements(migration):
            db.execute(statement)
    return db


def replay_one(db: sqlite3.Connection, call: Call) -> None:
    """Send one recorded statement again, as the store sent it (its rows read)."""
    kind, sql, params = call
    if kind == "executemany":
        db.executemany(sql, params)
    else:
        db.execute(sql, params).fetchall()


def _replay(path: Path, calls: list[Call]) -> float:
    """The recorded statements through plain sqlite3: the same SQL with no Python layer."""
    db = replay_connection(path)
    started = time.perf_counter()
    for call in calls:
        replay_one(db, call)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def run(messages: int, conversations: int, batch: int = 2_000, rounds: int = 3) -> list[Result]:
    rows = make_messages(messages, conversations)
    raw_times: list[float] = []
    replay_times: list[float] = []
    store_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        calls: list[Call] = []
        asyncio.run(_store_run(Path(tmp) / "rec" / "linkdeck.db", rows, batch, calls))
        for n in range(rounds):
            raw_times.append(bench_raw(Path(tmp) / f"raw{n}.db", rows, batch))
            replay_times.append(_replay(Path(tmp) / f"replay{n}.db", calls))
            store = Path(tmp) / f"store{n}" / "linkdeck.db"
            store_times.append(asyncio.run(_store_run(store, rows, batch)))
    raw, replay, stored = median(raw_times), median(replay_times), median(store_times)
    raw_rate, replay_rate, store_rate = messages / raw, messages / replay, messages / stored
    size = f"{messages:,} msgs, batches of {batch:,}, median of {rounds}"
    return [
        Result(
            f"ingest with the index current ({size})",
            f">= {GOAL_RAW}x raw executemany",
            f"{store_rate:,.0f} msg/s",
            f"{store_rate / raw_rate:.2f}x",
            store_rate / raw_rate >= GOAL_RAW,
            floor=f"raw executemany into a plain table {raw_rate:,.0f} msg/s",
        ),
        Result(
            f"ingest: the store's Python layer ({messages:,} msgs)",
            f"<= {GOAL_PYTHON}x the same SQL via plain sqlite3",
            f"Store.apply_batch {stored:.2f} s",
            f"{stored / replay:.2f}x",
            stored / replay <= GOAL_PYTHON,
            floor=f"{len(calls):,} recorded statements replayed by sqlite3: {replay:.2f} s "
            f"({replay_rate:,.0f} msg/s, {replay_rate / raw_rate:.2f}x raw)",
        ),
    ]
