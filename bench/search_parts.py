"""Where a rare word's ``Store.search`` spends its time, against the floor, piece by piece.

Not a row of the table: the breakdown behind the "Store.search rare word" row. Every piece
runs alternately with the floor (the plain-sqlite3 query of ``bench/search_bench.py``) on
a copy of the cached 1M store, ``rounds`` times; medians in ms and as a ratio of the
floor's median:

- ``Store.search``: the whole call, as the benchmark times it;
- ``one empty trip``: a function that does nothing, run on aiosqlite's thread (the one
  hand-off a search makes; ``Store._on_db_thread``);
- ``search without the trip``: the function a search runs on that thread, called
  directly on a plain sqlite3 connection (its SQL and its Python, no hand-off);
- its statements one by one (the hits, the pending check, the outbox, the hits'
  conversations) and the Python that turns 10 rows into hits.

    python -m bench.search_parts [ROUNDS]
    python -m bench.search_parts --profile [ROUNDS]

``--profile`` runs ``cProfile`` instead: over ``rounds`` calls of the search's own
function on a plain sqlite3 connection (everything a search does but the hand-off), and
over ``rounds`` calls of ``Store.search`` on the event loop's thread (the hand-off and
what the loop does around it; the database thread's share is the first profile), each
printed by own time.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import median
from bench.dataset import RARE_WORD, cached_store, copy_store
from bench.search_bench import FLOOR_SQL
from tui.modals.search import RESULT_LIMIT
from tui.store import Store
from tui.store.base import conversations_by_key_sql
from tui.store.maintenance import _PENDING, _search, _search_sql
from tui.store.rows import message_from_values
from tui.store.search import parse, span_finder

OUTBOX_SQL = (
    "SELECT id, account_id, conversation_id, created_at, text FROM outbox "
    "WHERE action = 'text' AND state != 'sent' ORDER BY id DESC LIMIT 500"
)


async def _parts(path: Path, rounds: int) -> dict[str, list[float]]:
    store = await Store.open(path)
    db = sqlite3.connect(path)
    parsed = parse(RARE_WORD)
    match = parsed.fts()
    hits_sql, hits_params = _search_sql(parsed, fts_first=True)
    rows = db.execute(hits_sql, [*hits_params, RESULT_LIMIT]).fetchall()
    keys = sorted({(r[1], r[3]) for r in rows})
    conversations_sql = conversations_by_key_sql(len(keys))
    key_params = [value for key in keys for value in key]
    find = span_finder(parsed.terms)

    def python() -> None:
        for row in rows:
            message = message_from_values(row)
            find(message.text)

    pieces: dict[str, Callable[[], Any]] = {
        "floor (plain sqlite3 MATCH ... ORDER BY ... LIMIT)": lambda: db.execute(
            FLOOR_SQL, (match, RESULT_LIMIT)
        ).fetchall(),
        "search without the trip (plain connection)": lambda: _search(
            db, parsed, RESULT_LIMIT, True
        ),
        "  the hits statement": lambda: db.execute(
            hits_sql, [*hits_params, RESULT_LIMIT]
        ).fetchall(),
        "  the pending check": lambda: db.execute(_PENDING).fetchone(),
        "  the outbox": lambda: db.execute(OUTBOX_SQL).fetchall(),
        f"  the hits' conversations ({len(keys)})": lambda: db.execute(
            conversations_sql, key_params
        ).fetchall(),
        f"  Python: {len(rows)} rows to messages and spans": python,
        "  parse the query": lambda: parse(RARE_WORD),
    }
    times: dict[str, list[float]] = {name: [] for name in pieces}
    times["Store.search"] = []
    times["one empty trip to aiosqlite's thread"] = []
    try:
        await store.search(RARE_WORD, limit=RESULT_LIMIT)
        for _ in range(rounds):
            for name, piece in pieces.items():
                started = time.perf_counter()
                piece()
                times[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            await store.search(RARE_WORD, limit=RESULT_LIMIT)
            times["Store.search"].append(time.perf_counter() - started)
            started = time.perf_counter()
            await store._on_db_thread(lambda _db: None)
            times["one empty trip to aiosqlite's thread"].append(time.perf_counter() - started)
    finally:
        db.close()
        await store.close()
    return times


def run(rounds: int) -> str:
    folder = cached_store(1_000_000, 50_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = copy_store(folder, Path(tmp) / "data") / "linkdeck.db"
        times = asyncio.run(_parts(path, rounds))
    floor = median(next(iter(times.values())))
    lines = [f"rare word {RARE_WORD!r}, {rounds} rounds, medians", ""]
    lines += [
        f"{median(values) * 1000:8.4f} ms  {median(values) / floor:5.2f}x  {name}"
        for name, values in times.items()
    ]
    return "\n".join(lines)


async def _profiles(path: Path, rounds: int) -> str:
    store = await Store.open(path)
    db = sqlite3.connect(path)
    parsed = parse(RARE_WORD)
    out = io.StringIO()
    try:
        await store.search(RARE_WORD, limit=RESULT_LIMIT)
        _search(db, parsed, RESULT_LIMIT, True)
        direct = cProfile.Profile()
        direct.enable()
        for _ in range(rounds):
            _search(db, parse(RARE_WORD), RESULT_LIMIT, True)
        direct.disable()
        through = cProfile.Profile()
        through.enable()
        for _ in range(rounds):
            await store.search(RARE_WORD, limit=RESULT_LIMIT)
        through.disable()
    finally:
        db.close()
        await store.close()
    for title, profile in (
        ("the search's function on a plain connection (parse included)", direct),
        ("Store.search, the event loop's thread", through),
    ):
        out.write(f"== {title}, {rounds} calls\n")
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(14)
    return out.getvalue()


def profile(rounds: int) -> str:
    folder = cached_store(1_000_000, 50_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = copy_store(folder, Path(tmp) / "data") / "linkdeck.db"
        return asyncio.run(_profiles(path, rounds))


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--profile"]
    count = int(arguments[0]) if arguments else 2000
    print(profile(count) if "--profile" in sys.argv else run(count))
