"""The ingest benchmark's floor 2 replays every statement the store sent, so the
comparison is with the store's whole SQL, not part of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.ingest import make_messages
from bench.ingest_bench import Call, _replay, _store_run

TABLES = {
    "messages": "SELECT remote_id, conversation_id, created_at, text FROM messages ORDER BY id",
    "conversations": "SELECT remote_id, customer_id, message_count, unread_count, snippet, "
    "updated_at FROM conversations ORDER BY id",
    "cursors": "SELECT account_id, name, value FROM cursors ORDER BY name",
    "search": "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'sourdough' ORDER BY rowid",
    "pending": "SELECT count(*) FROM fts_pending",
}


def _contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        return {name: db.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        db.close()


async def test_the_replay_writes_what_the_store_wrote(tmp_path: Path) -> None:
    messages = make_messages(600, 12)
    calls: list[Call] = []
    stored = tmp_path / "store" / "linkdeck.db"
    await _store_run(stored, messages, 200, calls)
    replayed = tmp_path / "replay.db"
    _replay(replayed, calls)
    expected = _contents(stored)
    assert len(expected["messages"]) == 600 and expected["search"]
    assert expected["pending"] == [(0,)]
    assert _contents(replayed) == expected
