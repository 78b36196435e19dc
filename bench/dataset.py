"""The generated inbox the scale benchmarks share: N messages in K conversations.

Built through ``Store.apply_batch`` (exactly what a sync writes: summaries and FTS
included) and cached under /tmp keyed by size and :data:`SCHEMA_VERSION`, so reruns
skip the build. Callers copy the cached file before opening it with anything that
may write to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import SCHEMA_VERSION
from bench.ingest import WORDS
from tui.domain.models import InboxMessage, Platform
from tui.store import Store
from tui.store.schema import MIGRATIONS

ACCOUNT = "demo-page"
"""The simulator's seeded Messenger account: a config written by it shows these rows."""
RARE_WORD = "zanzibar"
RARE_EVERY = 100_000
COMMON_WORD = "order"
PHRASE = "chocolate cake"
START = datetime(2026, 1, 1, tzinfo=UTC)
CACHE_ROOT = Path(tempfile.gettempdir()) / "linkdeck-bench"


def customer_name(conversation: int) -> str:
    return f"Customer {conversation:05d}"


def newest_customer(conversations: int) -> str:
    """The name on the first row of the inbox (newest activity first)."""
    return customer_name(conversations - 1)


def _batches(messages: int, conversations: int, batch: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """Messages round-robin over conversations, so every conversation has recent activity.

    Conversation ``k`` gets messages ``k, k + K, k + 2K, ...`` and the newest message of
    all belongs to the last conversation.
    """
    rng = random.Random(seed)
    part: list[InboxMessage] = []
    for i in range(messages):
        conversation = i % conversations
        from_us = rng.random() < 0.4
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 20))]
        if i % RARE_EVERY == 0:
            words.insert(rng.randrange(len(words) + 1), RARE_WORD)
        part.append(
            InboxMessage(
                account_id=ACCOUNT,
                remote_id=f"m_{i:08d}",
                conversation_id=f"t_{conversation:06d}",
                sender_id="page" if from_us else f"psid_{conversation:06d}",
                created_at=START + timedelta(seconds=i * 5),
                text=" ".join(words),
                from_us=from_us,
                sender_name="Bakery" if from_us else customer_name(conversation),
            )
        )
        if len(part) == batch:
            yield part
            part = []
    if part:
        yield part


async def build(path: Path, messages: int, conversations: int, batch: int = 2000) -> None:
    """Write the dataset into a new store at ``path``."""
    store = await Store.open(path)
    try:
        for part in _batches(messages, conversations, batch):
            await store.apply_batch(ACCOUNT, platform=Platform.MESSENGER, messages=part)
    finally:
        await store.close()


def cached_store(messages: int, conversations: int, *, log: bool = True) -> Path:
    """The folder holding ``linkdeck.db`` for this size, built on first use."""
    # Keyed by the migrations' text too: branches with other migrations (or another order)
    # must not open each other's cached store.
    shape = hashlib.sha256("".join(MIGRATIONS).encode()).hexdigest()[:10]
    folder = CACHE_ROOT / f"v{SCHEMA_VERSION}-{shape}-{messages}-{conversations}"
    done = folder / "complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    started = time.perf_counter()
    if log:
        print(
            f"  building {messages:,} messages in {conversations:,} conversations ...", flush=True
        )
    asyncio.run(build(folder / "linkdeck.db", messages, conversations))
    done.write_text(f"{time.perf_counter() - started:.1f} s\n")
    if log:
        print(f"  built in {time.perf_counter() - started:.1f} s, cached at {folder}", flush=True)
    return folder


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a cached store folder (the app may write to its database)."""
    target.mkdir(parents=True, mode=0o700, exist_ok=True)
    for item in source.glob("linkdeck.db*"):
        shutil.copyfile(item, target / item.name)
    (target / "linkdeck.db").chmod(0o600)
    return target
