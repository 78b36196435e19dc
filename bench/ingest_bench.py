"""Ingest: Store.apply_batch (FTS kept current) against raw executemany, from bench/ingest.py."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.common import Result
from bench.ingest import bench_raw, bench_store, make_messages

GOAL_RATIO = 0.5


def run(messages: int, conversations: int, batch: int = 500) -> list[Result]:
    rows = make_messages(messages, conversations)
    with tempfile.TemporaryDirectory() as tmp:
        raw = bench_raw(Path(tmp) / "raw.db", rows, batch)
        stored = asyncio.run(bench_store(Path(tmp) / "store" / "linkdeck.db", rows, batch))
    raw_rate, store_rate = len(rows) / raw, len(rows) / stored
    ratio = store_rate / raw_rate
    return [
        Result(
            f"ingest ({messages:,} msgs, batches of {batch})",
            f">= {GOAL_RATIO}x raw executemany",
            f"{store_rate:,.0f} msg/s (raw sqlite3 {raw_rate:,.0f} msg/s)",
            f"{ratio:.2f}x",
            ratio >= GOAL_RATIO,
        )
    ]
