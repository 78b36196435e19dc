"""The search index follows the messages one short step behind, and never loses one.

New messages are indexed in a follow-up transaction (``fts_pending`` lists them): found by
a search right after ``apply_batch`` returns, indexed on their own within a second, and a
crash between the two transactions is repaired when the store is next opened.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from tests.store.conftest import msg
from tui.domain.models import MessageKind, Platform
from tui.store import Store
from tui.store.schema import MIGRATIONS, split_statements

M = Platform.MESSENGER


def fts_hits(path: Path, word: str) -> list[int]:
    """Rowids the index itself holds for ``word``, read by a second, plain connection."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid", (word,)
        ).fetchall()
    finally:
        db.close()
    return [r[0] for r in rows]


def pending(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT count(*) FROM fts_pending").fetchone()[0])
    finally:
        db.close()


def index_is_sound(path: Path) -> None:
    """The index holds exactly the table's texts (checked once nothing is pending)."""
    db = sqlite3.connect(path)
    try:  # raises "database disk image is malformed" when index and table disagree
        db.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        db.close()


async def test_found_by_search_as_soon_as_apply_batch_returns(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "sourdough loaf please")])
    hits = await store.search("sourdough")
    assert [h.message.remote_id for h in hits] == ["m1"]


async def test_indexed_on_its_own_within_a_second(store: Store, db_path: Path) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "sourdough loaf please")])
    committed = time.monotonic()
    # No search asks for it: the follow-up transaction alone must index it.
    while not fts_hits(db_path, "sourdough") and time.monotonic() - committed < 10:
        await asyncio.sleep(0.02)
    assert fts_hits(db_path, "sourdough"), "not indexed 10 s after its commit"
    assert pending(db_path) == 0


async def test_index_now_indexes_at_once_and_leaves_nothing_for_later(
    store: Store, db_path: Path
) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "sourdough loaf please")])
    assert pending(db_path) == 1  # the follow-up has not run yet
    await store.index_now()
    # A second connection finds it in the index itself, nothing pending.
    assert fts_hits(db_path, "sourdough") and pending(db_path) == 0
    # Nothing left to run on this loop: a batch now is indexed by a follow-up of its own.
    await store.apply_batch("bakery", platform=M, messages=[msg("m2", "rye loaf too")])
    committed = time.monotonic()
    while not fts_hits(db_path, "rye") and time.monotonic() - committed < 10:
        await asyncio.sleep(0.02)
    assert fts_hits(db_path, "rye"), "the next batch's follow-up never ran"


_CRASH = """
import asyncio, os, sys
from datetime import UTC, datetime
from tui.domain.models import InboxMessage, Platform
from tui.store import Store

async def main():
    store = await Store.open(sys.argv[1])
    message = InboxMessage(
        account_id="bakery", remote_id="m_crash", conversation_id="t_1", sender_id="p1",
        created_at=datetime(2026, 11, 20, 9, tzinfo=UTC), text="zanzibar croissant",
        sender_name="Ana",
    )
    await store.apply_batch("bakery", platform=Platform.MESSENGER, messages=[message])
    os._exit(0)  # killed between the batch's commit and the index's follow-up

asyncio.run(main())
"""


async def test_a_crash_before_the_index_update_is_repaired_at_open(db_path: Path) -> None:
    await (await Store.open(db_path)).close()  # create and migrate the file
    done = subprocess.run(
        [sys.executable, "-c", _CRASH, str(db_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert fts_hits(db_path, "zanzibar") == []  # committed, not indexed: the crash case
    assert pending(db_path) == 1
    reopened = await Store.open(db_path)
    try:
        assert pending(db_path) == 0
        assert fts_hits(db_path, "zanzibar") != []
        hits = await reopened.search("zanzibar")
        assert [h.message.remote_id for h in hits] == ["m_crash"]
    finally:
        await reopened.close()
    index_is_sound(db_path)


async def test_edits_and_deletes_of_messages_not_indexed_yet_keep_the_index_sound(
    store: Store, db_path: Path
) -> None:
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[msg("m1", "almond tart"), msg("m2", "vegan brownie", minute=1)],
    )
    assert pending(db_path) == 2  # the follow-up has not run yet
    await store.mark_edited("bakery", "m1", "walnut tart", count=1)
    assert await store.delete_message("bakery", "m2")
    assert await store.search("almond") == []  # indexes m1 (pending) first
    assert [h.message.remote_id for h in await store.search("walnut")] == ["m1"]
    assert await store.search("brownie") == []
    index_is_sound(db_path)


async def test_taking_back_an_empty_text_message_keeps_the_index_sound(
    store: Store, db_path: Path
) -> None:
    # A reaction has no text, so it is never indexed: its delete must not touch the index
    # (with every other message still pending, the index is empty).
    reaction = replace(msg("r1", "", minute=2), kind=MessageKind.REACTION, reaction="❤️")
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "thanks"), reaction])
    assert await store.remove_reaction("bakery", "r1") == "t_1"
    assert [h.message.remote_id for h in await store.search("thanks")] == ["m1"]
    index_is_sound(db_path)


async def test_a_clean_close_leaves_nothing_pending(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "rye bread")])
    await store.close()
    assert pending(db_path) == 0
    assert fts_hits(db_path, "rye") != []


async def test_a_transaction_left_open_by_a_dead_loop_does_not_block_the_next_write(
    tmp_path: Path,
) -> None:
    """A task cancelled as its event loop closed may leave BEGIN without COMMIT/ROLLBACK."""
    store = await Store.open(tmp_path / "linkdeck.db")
    try:
        await store._db.execute("BEGIN IMMEDIATE")  # the orphan: its owner is gone
        await store.apply_batch("acct", platform=Platform.MESSENGER, cursors={"probe": "1"})
        assert await store.get_cursor("acct", "probe") == "1"
        assert not store._db.in_transaction
    finally:
        await store.close()


async def test_a_store_indexed_the_old_way_is_rebuilt_at_open_with_every_message_found_once(
    db_path: Path,
) -> None:
    """A store from before migration 6 (its index kept token counts per message), with one
    message indexed and one left pending by a crash, opens with both found exactly once,
    nothing pending and the index sound; its index no longer keeps the counts."""
    store = await Store.open(db_path)
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "zanzibar loaf", minute=1)])
    await store.close()
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        # Back to version 5: its index, rebuilt; then a message committed and not indexed.
        db.execute("DROP TABLE messages_fts")
        for statement in split_statements(MIGRATIONS[0]):
            if "CREATE VIRTUAL TABLE messages_fts" in statement:
                assert "columnsize" not in statement
                db.execute(statement)
        db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        db.execute(
            "INSERT INTO messages (account_id, remote_id, conversation_id, created_at, text) "
            "VALUES ('bakery', 'm2', 't_1', 1764000000000, 'zanzibar cake')"
        )
        db.execute("INSERT INTO fts_pending (id) SELECT id FROM messages WHERE remote_id = 'm2'")
        db.execute("ALTER TABLE conversations DROP COLUMN answered")  # from migration 7
        db.execute("DROP TABLE senders")  # from migration 8
        db.execute("PRAGMA user_version = 5")
        assert db.execute("SELECT count(*) FROM messages_fts_docsize").fetchone()[0] == 1
    finally:
        db.close()
    reopened = await Store.open(db_path)
    try:
        hits = await reopened.search("zanzibar")
        assert sorted(h.message.remote_id for h in hits) == ["m1", "m2"]
        assert pending(db_path) == 0
    finally:
        await reopened.close()
    assert len(fts_hits(db_path, "zanzibar")) == 2
    index_is_sound(db_path)
    db = sqlite3.connect(db_path)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    finally:
        db.close()
    assert "messages_fts_docsize" not in tables
