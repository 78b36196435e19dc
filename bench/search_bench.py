"""Search over the generated store: a rare word, a common word and a phrase.

Each query runs ``Store.search(query, limit=100)`` (what the search screen asks for)
repeatedly on one open store; the baseline is a plain ``LIKE`` scan of the same
messages table through sqlite3, the search a user would get with no index.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import Result, median, percentile
from bench.dataset import COMMON_WORD, PHRASE, RARE_WORD, cached_store, copy_store
from tui.store import Store

GOAL_MEDIAN_MS = 20.0
QUERIES = {"rare word": RARE_WORD, "common word": COMMON_WORD, "phrase": f'"{PHRASE}"'}


async def _timings(path: Path, repeats: int) -> dict[str, tuple[list[float], int]]:
    store = await Store.open(path)
    try:
        out = {}
        for label, query in QUERIES.items():
            await store.search(query)  # warm the page cache like a second search would
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                hits = await store.search(query)
                times.append(time.perf_counter() - started)
            out[label] = (times, len(hits))
        return out
    finally:
        await store.close()


def _like_scan(path: Path, word: str, repeats: int) -> float:
    db = sqlite3.connect(path)
    try:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            db.execute(
                "SELECT id FROM messages WHERE text LIKE ? ORDER BY created_at DESC LIMIT 100",
                (f"%{word}%",),
            ).fetchall()
            times.append(time.perf_counter() - started)
        return median(times)
    finally:
        db.close()


def run(messages: int, conversations: int, repeats: int) -> list[Result]:
    folder = cached_store(messages, conversations)
    with tempfile.TemporaryDirectory() as tmp:
        data = copy_store(folder, Path(tmp) / "data")
        timings = asyncio.run(_timings(data / "linkdeck.db", repeats))
        scan = _like_scan(data / "linkdeck.db", RARE_WORD, max(3, repeats // 10))
    results = []
    for label, (times, hits) in timings.items():
        p50, p99 = median(times) * 1000, percentile(times, 99) * 1000
        results.append(
            Result(
                f"search {label} ({messages:,} msgs, {hits} hits shown)",
                f"median <= {GOAL_MEDIAN_MS:.0f} ms",
                f"median {p50:.1f} ms, p99 {p99:.1f} ms",
                f"{scan * 1000 / p50 if p50 else 0:.1f}x faster than a LIKE scan "
                f"({scan * 1000:.1f} ms)",
                p50 <= GOAL_MEDIAN_MS,
            )
        )
    return results
