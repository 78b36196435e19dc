"""Ingest throughput: Store.apply_batch (FTS kept current) against raw sqlite3 executemany.

Usage: .venv/bin/python bench/ingest.py --messages 100000 [--batch 500] [--conversations 2000]

Both runs write the same rows to a fresh file in a temporary folder, in batches of
``--batch`` with one transaction per batch, WAL and synchronous=NORMAL. The baseline is a
plain table with the same columns and no index, no FTS, no upsert; the store run does
everything a sync does: validation, upserts keyed by remote id, the conversation summary,
the FTS index, and a cursor per batch. A third line runs the store's own schema and
SQL through plain sqlite3 (no validation, no summaries, no asyncio) as a reference for
what SQLite itself costs with the upsert key, the three indexes and FTS5.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.domain.models import InboxMessage, Platform
from tui.store import Store
from tui.store.batch import _UPSERT_MESSAGE as UPSERT_MESSAGE
from tui.store.rows import to_ms
from tui.store.schema import MIGRATIONS, split_statements

WORDS = [
    "order",
    "cake",
    "bread",
    "croissant",
    "delivery",
    "tomorrow",
    "morning",
    "price",
    "gluten",
    "vegan",
    "chocolate",
    "birthday",
    "thanks",
    "hello",
    "pickup",
    "saturday",
    "sourdough",
    "almond",
    "window",
    "open",
    "closed",
    "please",
]


def make_messages(count: int, conversations: int, seed: int = 7) -> list[InboxMessage]:
    """Messages grouped by conversation, as an adapter returns a thread's page."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    per = max(count // conversations, 1)
    result: list[InboxMessage] = []
    for i in range(count):
        conversation = i // per
        from_us = rng.random() < 0.4
        result.append(
            InboxMessage(
                account_id="bench",
                remote_id=f"m_{i:08d}",
                conversation_id=f"t_{conversation:06d}",
                sender_id="page" if from_us else f"psid_{conversation}",
                created_at=start + timedelta(seconds=i * 7),
                text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25))),
                from_us=from_us,
                sender_name="Bakery" if from_us else f"Customer {conversation}",
            )
        )
    return result


async def bench_store(path: Path, messages: list[InboxMessage], batch: int) -> float:
    store = await Store.open(path)
    started = time.perf_counter()
    for i in range(0, len(messages), batch):
        part = messages[i : i + batch]
        await store.apply_batch(
            "bench",
            platform=Platform.MESSENGER,
            messages=part,
            cursors={"conversations": part[-1].remote_id},
        )
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed


def bench_raw(path: Path, messages: list[InboxMessage], batch: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        "CREATE TABLE messages (account_id TEXT, remote_id TEXT, conversation_id TEXT, "
        "sender_id TEXT, sender_name TEXT, created_at INTEGER, text TEXT, kind TEXT, "
        "from_us INTEGER)"
    )
    started = time.perf_counter()
    for i in range(0, len(messages), batch):
        rows = [
            (
                m.account_id,
                m.remote_id,
                m.conversation_id,
                m.sender_id,
                m.sender_name,
                to_ms(m.created_at),
                m.text,
                str(m.kind),
                int(m.from_us),
            )
            for m in messages[i : i + batch]
        ]
        db.execute("BEGIN")
        db.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def bench_floor(path: Path, messages: list[InboxMessage], batch: int) -> float:
    """The store's own schema and SQL driven by plain sqlite3: what SQLite alone costs."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    for statement in split_statements(MIGRATIONS[0]):
        db.execute(statement)
    db.executemany(
        "INSERT INTO conversations (account_id, remote_id, platform, updated_at) "
        "VALUES ('bench', ?, 'messenger', 0)",
        [(c,) for c in dict.fromkeys(m.conversation_id for m in messages)],
    )
    started = time.perf_counter()
    for i in range(0, len(messages), batch):
        rows = [_row(m) for m in messages[i : i + batch]]
        db.execute("BEGIN")
        high = db.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
        db.executemany(UPSERT_MESSAGE, rows)
        db.execute(
            "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE id > ?",
            (high,),
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def _row(m: InboxMessage) -> tuple[object, ...]:
    return (
        m.account_id,
        m.remote_id,
        m.conversation_id,
        m.sender_id,
        m.sender_name,
        to_ms(m.created_at),
        m.text,
        str(m.kind),
        int(m.from_us),
        "[]",
        None,
        0,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--conversations", type=int, default=2_000)
    args = parser.parse_args()
    messages = make_messages(args.messages, args.conversations)
    with tempfile.TemporaryDirectory() as tmp:
        raw = bench_raw(Path(tmp) / "raw.db", messages, args.batch)
        floor = bench_floor(Path(tmp) / "floor.db", messages, args.batch)
        stored = asyncio.run(bench_store(Path(tmp) / "store" / "linkdeck.db", messages, args.batch))
    raw_rate = len(messages) / raw
    store_rate = len(messages) / stored
    print(f"messages: {len(messages)}  batch: {args.batch}  conversations: {args.conversations}")
    print(f"raw sqlite3 executemany (no FTS): {raw_rate:12,.0f} msg/s  ({raw:.2f} s)")
    print(f"Store.apply_batch (FTS, upsert):  {store_rate:12,.0f} msg/s  ({stored:.2f} s)")
    print(f"ratio store/raw: {store_rate / raw_rate:.2f}")
    floor_rate = len(messages) / floor
    print(
        f"reference: store schema + SQL via plain sqlite3 {floor_rate:,.0f} msg/s "
        f"(ratio to raw {floor_rate / raw_rate:.2f}: the most any wrapper could reach)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
