"""Where ``Store.apply_batch`` spends its time: the breakdown behind the two ingest rows.

Not a row of the table. One store run of the ingest benchmark (the same messages, the
same batches) with every hand-off to aiosqlite's thread and every statement timed where
it runs, then the same statements replayed through plain sqlite3 (floor 2) and the raw
``executemany`` (floor 1), so the parts can be read against both floors:

- SQL on the database thread, per kind of statement (the same split for the replay);
- Python on the database thread around those statements (``_write_batch`` building the
  summaries and stubs, the search-index follow-up);
- hand-offs: the loop waiting on the thread beyond the thread's own work;
- Python on the event loop: validation, rows and ``apply_batch``'s own code.

    python -m bench.ingest_parts [--messages N] [--batch N]
    python -m bench.ingest_parts --profile [--messages N]
    python -m bench.ingest_parts --overlap [--messages N]

``--profile`` also runs ``cProfile`` on each thread over the store run and prints both
by own time (the loop's profile counts its waits in ``select``).

``--overlap`` asks whether the loop's Python could hide behind the SQL if the two ran side
by side (batches pipelined: one validated while the one before is written): the
validation of every batch (``_plain_rows``) alone, the replay alone, and both at once,
the replay on a second thread. The GIL decides: sqlite3 lets it go while a statement
steps, but takes it back to bind each statement's parameters and read its rows.

The wrappers cost about a microsecond a statement (some 1,650 statements for 200,000
messages), so the instrumented run is a little slower than the benchmark's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sqlite3
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.ingest import bench_raw, make_messages
from bench.ingest_bench import Call, _replay, _store_run, replay_connection, replay_one
from tui.domain.models import InboxMessage
from tui.store import Store
from tui.store.batch import _plain_rows


def kind_of(sql: str) -> str:
    """A statement's kind, for the tables: its first words, its parameters left out."""
    words = " ".join(sql.split())
    for cut in (" VALUES", " SET", " WHERE", " (", " SELECT"):
        at = words.find(cut, 7)
        if at > 0:
            words = words[:at]
    return words[:60]


@dataclass
class Parts:
    """Seconds spent, by where they were spent."""

    whole: float = 0.0
    sql: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    on_thread: float = 0.0
    """Everything run on the database thread (its SQL included)."""
    waiting: float = 0.0
    """The loop awaiting the database thread (the thread's work included)."""

    @property
    def sql_total(self) -> float:
        return sum(self.sql.values())


class _TimedCursor:
    """A sqlite3 cursor whose fetches count toward its statement's kind."""

    def __init__(self, cursor: sqlite3.Cursor, kind: str, parts: Parts) -> None:
        self._cursor = cursor
        self._kind = kind
        self._parts = parts

    def _timed(self, name: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self._cursor, name)(*args)
        finally:
            self._parts.sql[self._kind] += time.perf_counter() - started

    def fetchall(self) -> list[Any]:
        return self._timed("fetchall")  # type: ignore[no-any-return]

    def fetchone(self) -> Any:
        return self._timed("fetchone")

    def fetchmany(self, size: int = 1) -> list[Any]:
        return self._timed("fetchmany", size)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _TimedConnection:
    """The store's sqlite3 connection, timing each statement by kind on the thread it
    runs on (the cursor's fetches included)."""

    def __init__(self, conn: sqlite3.Connection, parts: Parts) -> None:
        self._conn = conn
        self._parts = parts

    def _run(self, method: str, sql: str, parameters: Any) -> _TimedCursor:
        kind = kind_of(sql)
        started = time.perf_counter()
        try:
            cursor = getattr(self._conn, method)(sql, parameters)
        finally:
            self._parts.sql[kind] += time.perf_counter() - started
        return _TimedCursor(cursor, kind, self._parts)

    def execute(self, sql: str, parameters: Any = ()) -> _TimedCursor:
        return self._run("execute", sql, parameters)

    def executemany(self, sql: str, parameters: Any) -> _TimedCursor:
        return self._run("executemany", sql, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _instrument(store: Store, parts: Parts, thread_profile: cProfile.Profile | None) -> None:
    """Time every statement, every run on the database thread and every wait for one."""
    db = store._db  # the breakdown looks inside on purpose, as the benchmark's recorder does
    db._connection = _TimedConnection(db._conn, parts)  # type: ignore[assignment]
    queue = db._execute

    async def timed_execute(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def on_thread() -> Any:
            if thread_profile is not None:
                thread_profile.enable()
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts.on_thread += time.perf_counter() - started
                if thread_profile is not None:
                    thread_profile.disable()

        started = time.perf_counter()
        try:
            return await queue(on_thread)  # type: ignore[no-untyped-call]
        finally:
            parts.waiting += time.perf_counter() - started

    db._execute = timed_execute  # type: ignore[method-assign]


def _replayed_by_kind(path: Path, calls: list[Call]) -> dict[str, float]:
    """The recorded statements replayed by plain sqlite3 on a fresh file, timed by kind."""
    kinds: dict[str, float] = defaultdict(float)
    db = replay_connection(path)
    for call in calls:
        started = time.perf_counter()
        replay_one(db, call)
        kinds[kind_of(call[1])] += time.perf_counter() - started
    db.close()
    return kinds


def _row(label: str, seconds: float, messages: int, note: str = "") -> str:
    per = seconds / messages * 1e6 if messages else 0.0
    return f"  {label:<44} {seconds:7.3f} s  {per:6.2f} us/msg  {note}".rstrip()


def store_parts(
    path: Path,
    rows: list[InboxMessage],
    batch: int,
    profiles: tuple[cProfile.Profile, cProfile.Profile] | None = None,
) -> Parts:
    """One store run of the benchmark's batches, timed by part (``profiles``: the event
    loop's and the database thread's, each enabled only on its own thread)."""
    parts = Parts()
    loop_profile, thread_profile = profiles or (None, None)

    def prepare(store: Store) -> None:
        _instrument(store, parts, thread_profile)
        if loop_profile is not None:
            loop_profile.enable()

    try:
        parts.whole = asyncio.run(_store_run(path, rows, batch, prepare=prepare))
    finally:
        if loop_profile is not None:
            loop_profile.disable()
    return parts


def overlap(
    folder: Path, calls: list[Call], rows: list[InboxMessage], batch: int
) -> tuple[float, float, float]:
    """Seconds for the replay alone, the validation of every batch alone, and both at once
    (the replay on a second thread, as a pipelined store would run its SQL)."""

    def validate() -> None:
        for i in range(0, len(rows), batch):
            _plain_rows(rows[i : i + batch], rows[i].account_id, True)

    def replay(name: str) -> None:
        _replay(folder / name, calls)

    started = time.perf_counter()
    replay("alone.db")
    sql_alone = time.perf_counter() - started
    started = time.perf_counter()
    validate()
    python_alone = time.perf_counter() - started
    beside = threading.Thread(target=replay, args=("beside.db",))
    started = time.perf_counter()
    beside.start()
    validate()
    beside.join()
    both = time.perf_counter() - started
    return sql_alone, python_alone, both


def run(
    messages: int,
    conversations: int,
    batch: int,
    profile: bool = False,
    *,
    overlapped: bool = False,
) -> str:
    rows = make_messages(messages, conversations)
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        calls: list[Call] = []
        asyncio.run(_store_run(folder / "rec" / "linkdeck.db", rows, batch, calls))
        raw = bench_raw(folder / "raw.db", rows, batch)
        replay = _replay(folder / "replay.db", calls)
        replay_kinds = _replayed_by_kind(folder / "kinds.db", calls)
        profiles = (cProfile.Profile(), cProfile.Profile()) if profile else None
        parts = store_parts(folder / "store" / "linkdeck.db", rows, batch, profiles)
        side_by_side = overlap(folder, calls, rows, batch) if overlapped else None
    loop_python = parts.whole - parts.waiting
    thread_python = parts.on_thread - parts.sql_total
    hand_offs = parts.waiting - parts.on_thread
    out.append(
        f"ingest parts: {messages:,} messages in batches of {batch:,} ({len(calls):,} statements)"
    )
    out.append(_row("raw executemany (floor 1)", raw, messages))
    out.append(
        _row("the store's SQL replayed (floor 2)", replay, messages, f"{replay / raw:.2f}x raw")
    )
    out.append(
        _row(
            "Store.apply_batch, instrumented",
            parts.whole,
            messages,
            f"{parts.whole / replay:.2f}x floor 2, {raw / parts.whole:.2f}x raw's rate",
        )
    )
    out.append(_row("  SQL on the database thread", parts.sql_total, messages))
    out.append(_row("  Python on the database thread", thread_python, messages))
    out.append(_row("  hand-offs (waiting beyond the thread)", hand_offs, messages))
    out.append(_row("  Python on the event loop", loop_python, messages))
    out.append("  SQL by statement, in the store | replayed:")
    for kind in sorted(parts.sql, key=lambda k: -parts.sql[k]):
        mine, theirs = parts.sql[kind], replay_kinds.get(kind, 0.0)
        if mine < 0.001 and theirs < 0.001:
            continue
        out.append(f"    {mine:7.3f} s | {theirs:7.3f} s  {kind}")
    if side_by_side is not None:
        sql_alone, python_alone, both = side_by_side
        hidden = (sql_alone + python_alone - both) / python_alone
        out.append("  side by side, the replay on a second thread:")
        out.append(_row("    the replay alone", sql_alone, messages))
        out.append(_row("    validating every batch alone", python_alone, messages))
        out.append(
            _row("    both at once", both, messages, f"{hidden:.0%} of the validation hidden")
        )
    if profiles is not None:
        for title, prof in zip(("the event loop's", "the database's"), profiles, strict=True):
            text = io.StringIO()
            text.write(f"\ncProfile of {title} thread, by own time:\n")
            pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(16)
            out.append(text.getvalue())
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--overlap", action="store_true")
    args = parser.parse_args()
    print(run(args.messages, args.conversations, args.batch, args.profile, overlapped=args.overlap))


if __name__ == "__main__":
    main()
