"""apply_batch: idempotent upserts, conversation summaries, atomic cursors, quarantine."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from tests.store.conftest import NOW, at, conv, msg
from tui.domain.models import Attachment, InboxMessage, MessageKind, Platform, TriageStatus
from tui.store import InboxView, Store
from tui.store import batch as batch_module
from tui.store.batch import ROWS_PER_STATEMENT
from tui.store.validate import MAX_TEXT_BYTES, message_problem, repair_message

M = Platform.MESSENGER


@contextlib.contextmanager
def cursor_write_fails(db_path: Path) -> Iterator[None]:
    """A second connection arms a failure that strikes when a batch writes its cursor,
    after its messages: the whole batch must roll back. Disarmed on leaving."""
    other = sqlite3.connect(db_path)
    other.execute(
        "CREATE TRIGGER fail_cursor BEFORE UPDATE ON cursors "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    other.commit()
    try:
        yield
    finally:
        other.execute("DROP TRIGGER fail_cursor")
        other.commit()
        other.close()


async def test_same_batch_twice_is_idempotent(store: Store) -> None:
    batch = [msg("m1", "hi", minute=1), msg("m2", "order a cake", minute=2)]
    first = await store.apply_batch(
        "bakery", platform=M, conversations=[conv("t_1")], messages=batch
    )
    second = await store.apply_batch(
        "bakery", platform=M, conversations=[conv("t_1")], messages=batch
    )
    assert [m.remote_id for m in first.new_messages] == ["m1", "m2"]
    assert second.new_messages == [] and second.updated == 0
    assert second.changed_conversations == []
    page = await store.messages_page("bakery", "t_1", None, 10)
    assert [m.remote_id for m in page] == ["m2", "m1"]
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None
    assert (c.message_count, c.unread_count) == (2, 2)
    assert await store.counts("bakery") == (1, 2)


async def test_new_messages_come_back_in_created_order(store: Store) -> None:
    result = await store.apply_batch(
        "bakery",
        platform=M,
        messages=[msg("m3", minute=3), msg("m1", minute=1), msg("m2", minute=2)],
    )
    assert [m.remote_id for m in result.new_messages] == ["m1", "m2", "m3"]


async def test_summary_follows_the_newest_message(store: Store) -> None:
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[
            msg("m1", "first", minute=1),
            msg("m2", "second", minute=2),
            msg("m3", "we can do that", minute=3, from_us=True),
        ],
    )
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None
    assert c.snippet == "we can do that"
    assert c.updated_at == at(3)
    assert c.last_inbound_at == at(2)
    assert c.unread_count == 2  # our own reply is not unread
    assert c.customer.name == "Ana Silva"  # stub conversation took the customer's name
    assert await store.count_conversations(InboxView("needs_reply"), NOW) == 0
    await store.apply_batch("bakery", platform=M, messages=[msg("m4", "thanks!", minute=4)])
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.snippet == "thanks!" and c.unread_count == 3
    assert await store.count_conversations(InboxView("needs_reply"), NOW) == 1


async def test_edit_changes_text_without_counting_as_new(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "one cake", minute=1)])
    result = await store.apply_batch(
        "bakery", platform=M, messages=[msg("m1", "two cakes", minute=1)]
    )
    assert result.new_messages == [] and result.updated == 1
    assert result.changed_conversations == ["t_1"]
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.snippet == "two cakes" and c.unread_count == 1
    # The edit replaced the row: exactly one message, with the new text (an edit that
    # inserted a second row was once caught only by the search test).
    stored = [(m.remote_id, m.text) async for m in store.iter_messages(account_id="bakery")]
    assert stored == [("m1", "two cakes")]
    assert c.message_count == 1


async def test_inbound_message_reopens_done_and_snoozed(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", minute=1)])
    await store.apply_batch("bakery", platform=M, messages=[msg("x1", conv="t_2", minute=1)])
    await store.set_status("bakery", "t_1", TriageStatus.DONE)
    await store.set_status("bakery", "t_2", TriageStatus.SNOOZED, datetime(2027, 1, 1, tzinfo=UTC))
    # An echo of our own reply must not reopen anything.
    await store.apply_batch(
        "bakery", platform=M, messages=[msg("m2", minute=2, from_us=True, kind=MessageKind.ECHO)]
    )
    c1 = await store.get_conversation("bakery", "t_1")
    assert c1 is not None and c1.triage.status is TriageStatus.DONE
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[msg("m3", "still there?", minute=3), msg("x2", conv="t_2", minute=3)],
    )
    for remote_id in ("t_1", "t_2"):
        c = await store.get_conversation("bakery", remote_id)
        assert c is not None and c.triage.status is TriageStatus.OPEN
        assert c.triage.snoozed_until is None


async def test_store_bodies_off_keeps_no_text(store: Store, db_path: Path) -> None:
    result = await store.apply_batch(
        "bakery",
        platform=M,
        messages=[msg("m1", "secret recipe zanzibar", minute=1)],
        store_bodies=False,
    )
    assert len(result.new_messages) == 1
    page = await store.messages_page("bakery", "t_1", None, 5)
    assert page[0].text == ""
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.snippet == ""
    assert await store.search("zanzibar") == []
    await store.checkpoint()
    assert b"zanzibar" not in db_path.read_bytes()


async def test_cursors_are_kept_with_the_batch(store: Store) -> None:
    await store.apply_batch(
        "bakery", platform=M, messages=[msg("m1")], cursors={"conversations": "c1", "x": "y"}
    )
    await store.apply_batch("bakery", platform=M, cursors={"conversations": "c2"})
    assert await store.get_cursor("bakery", "conversations") == "c2"
    assert await store.cursors("bakery") == {"conversations": "c2", "x": "y"}
    assert await store.get_cursor("other", "conversations") is None


async def test_failed_commit_leaves_neither_cursor_nor_messages(
    store: Store, db_path: Path
) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1")], cursors={"c": "old"})
    with cursor_write_fails(db_path), pytest.raises(sqlite3.DatabaseError, match="disk on fire"):
        await store.apply_batch(
            "bakery",
            platform=M,
            conversations=[conv("t_9")],
            messages=[msg("m2", "lost", minute=5), msg("m3", conv="t_9", minute=6)],
            cursors={"c": "new"},
        )
    assert await store.get_cursor("bakery", "c") == "old"
    assert await store.counts("bakery") == (1, 1)
    assert await store.get_conversation("bakery", "t_9") is None
    assert await store.search("lost") == []
    # The store is still usable afterwards.
    result = await store.apply_batch(
        "bakery", platform=M, messages=[msg("m2", "found", minute=5)], cursors={"c": "new"}
    )
    assert [m.remote_id for m in result.new_messages] == ["m2"]
    assert await store.get_cursor("bakery", "c") == "new"


# NULs, lone surrogates and huge bodies are stored with markers instead: test_quarantine.py.
POISON: list[tuple[str, dict[str, Any], str]] = [
    ("int text", {"text": 123}, "text is int"),
    ("string time", {"created_at": "2026-11-25"}, "created_at is str"),
    ("empty id", {"remote_id": ""}, "remote_id is empty"),
    ("NUL in id", {"remote_id": "m\x00"}, "NUL"),
]


@pytest.mark.parametrize(("label", "change", "reason"), POISON, ids=[p[0] for p in POISON])
async def test_poison_record_is_quarantined_and_the_rest_stored(
    store: Store, label: str, change: dict[str, Any], reason: str
) -> None:
    poison = replace(msg("bad", minute=2), **change)
    result = await store.apply_batch(
        "bakery",
        platform=M,
        messages=[msg("m1", "good one", minute=1), poison, msg("m3", "good too", minute=3)],
        cursors={"conversations": "after"},
    )
    assert [m.remote_id for m in result.new_messages] == ["m1", "m3"]
    assert len(result.quarantined) == 1
    assert reason in result.quarantined[0].reason
    assert await store.get_cursor("bakery", "conversations") == "after"
    kept = await store.quarantined()
    assert len(kept) == 1 and kept[0].kind == "message" and reason in kept[0].reason
    assert len(kept[0].payload) < 10_000
    assert [h.message.remote_id for h in await store.search("good")] == ["m3", "m1"]


async def test_quarantine_of_a_bad_conversation(store: Store) -> None:
    bad = replace(conv("t_bad"), updated_at=cast(datetime, "yesterday"))
    result = await store.apply_batch(
        "bakery", platform=M, conversations=[bad, conv("t_ok")], messages=[msg("m1")]
    )
    assert [q.remote_id for q in result.quarantined] == ["t_bad"]
    assert await store.get_conversation("bakery", "t_ok") is not None
    assert await store.get_conversation("bakery", "t_bad") is None


async def test_sql_refusal_of_one_record_falls_back_to_savepoints(
    store: Store, db_path: Path
) -> None:
    other = sqlite3.connect(db_path)
    other.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN new.remote_id = 'm2' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    other.commit()
    other.close()
    result = await store.apply_batch(
        "bakery",
        platform=M,
        messages=[msg("m1", "alpha", minute=1), msg("m2", minute=2), msg("m3", "gamma", minute=3)],
        cursors={"c": "v"},
    )
    assert [m.remote_id for m in result.new_messages] == ["m1", "m3"]
    assert [q.remote_id for q in result.quarantined] == ["m2"]
    assert await store.counts("bakery") == (1, 2)
    assert await store.get_cursor("bakery", "c") == "v"
    assert [h.message.remote_id for h in await store.search("alpha OR gamma")] == []
    assert [h.message.remote_id for h in await store.search("gamma")] == ["m3"]
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.message_count == 2
    # FTS5 raises on this check when the index and the table disagree.
    await store._db.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
    )


async def test_bad_cursor_value_is_refused_before_writing(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.apply_batch(
            "bakery", platform=M, messages=[msg("m1")], cursors={"c": cast(str, 5)}
        )
    assert await store.counts("bakery") == (0, 0)


# A big batch is upserted ROWS_PER_STATEMENT rows a statement; these check that a refusal,
# a failure or a copy in a later statement keeps the guarantees of the whole batch.
def many(count: int, text: str = "bulk") -> list[InboxMessage]:
    return [msg(f"m{i:03d}", f"{text} {i:03d}", minute=i) for i in range(count)]


async def test_refusal_in_a_later_statement_quarantines_only_that_message(
    store: Store, db_path: Path
) -> None:
    count = 2 * ROWS_PER_STATEMENT + 7  # two whole statements and a shorter third
    refused = f"m{ROWS_PER_STATEMENT + 3:03d}"  # in the second statement
    other = sqlite3.connect(db_path)
    other.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages "
        f"WHEN new.remote_id = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    other.commit()
    other.close()
    result = await store.apply_batch("bakery", platform=M, messages=many(count), cursors={"c": "v"})
    assert [q.remote_id for q in result.quarantined] == [refused]
    assert len(result.new_messages) == count - 1
    assert refused not in {m.remote_id for m in result.new_messages}
    assert await store.counts("bakery") == (1, count - 1)
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.message_count == count - 1
    assert await store.get_cursor("bakery", "c") == "v"
    last = f"m{count - 1:03d}"  # in the third statement
    assert [h.message.remote_id for h in await store.search(f'"bulk {count - 1:03d}"')] == [last]
    await store._db.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
    )


async def test_big_batch_failing_after_its_messages_keeps_nothing_and_applies_again(
    store: Store, db_path: Path
) -> None:
    count = 3 * ROWS_PER_STATEMENT + 1
    await store.apply_batch("bakery", platform=M, messages=[msg("m_old")], cursors={"c": "old"})
    with cursor_write_fails(db_path), pytest.raises(sqlite3.DatabaseError, match="disk on fire"):
        await store.apply_batch("bakery", platform=M, messages=many(count), cursors={"c": "new"})
    assert await store.counts("bakery") == (1, 1)
    assert await store.search("bulk") == []
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and (c.message_count, c.unread_count) == (1, 1)
    first = await store.apply_batch(
        "bakery", platform=M, messages=many(count), cursors={"c": "new"}
    )
    again = await store.apply_batch(
        "bakery", platform=M, messages=many(count), cursors={"c": "new"}
    )
    assert len(first.new_messages) == count
    assert again.new_messages == [] and again.updated == 0
    assert await store.counts("bakery") == (1, count + 1)
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and (c.message_count, c.unread_count) == (count + 1, count + 1)
    assert len(await store.search("bulk", limit=1000)) == count


async def test_last_copy_wins_across_statements_and_a_late_edit_is_an_update(
    store: Store,
) -> None:
    batch = many(2 * ROWS_PER_STATEMENT)
    # A copy of the first message at the end of the batch, with newer text: it wins.
    batch.append(replace(batch[0], text="second copy"))
    result = await store.apply_batch("bakery", platform=M, messages=batch)
    assert len(result.new_messages) == 2 * ROWS_PER_STATEMENT
    assert result.new_messages[0].remote_id == "m000"
    assert result.new_messages[0].text == "second copy"
    assert [h.message.remote_id for h in await store.search('"second copy"')] == ["m000"]
    assert await store.search('"bulk 000"') == []
    edited = [*many(2 * ROWS_PER_STATEMENT)]
    edited[-1] = replace(edited[-1], text="changed at the end")
    edited[0] = replace(edited[0], text="second copy")
    again = await store.apply_batch("bakery", platform=M, messages=edited)
    assert again.new_messages == [] and again.updated == 1
    assert await store.counts("bakery") == (1, 2 * ROWS_PER_STATEMENT)
    found = await store.search('"changed at the end"')
    assert [h.message.remote_id for h in found] == [f"m{2 * ROWS_PER_STATEMENT - 1:03d}"]


async def test_a_big_batch_cancelled_while_its_statements_run_keeps_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's statements run in one trip to the database thread; a cancel that
    arrives meanwhile must roll all of them back, not leave the trip's work committed."""
    count = 2 * ROWS_PER_STATEMENT + 3
    loop = asyncio.get_running_loop()
    real = batch_module._write_batch
    tasks: list[asyncio.Task[Any]] = []

    def cancelled_meanwhile(*args: Any) -> None:
        loop.call_soon_threadsafe(tasks[0].cancel)  # delivered while this trip runs
        real(*args)

    monkeypatch.setattr(batch_module, "_write_batch", cancelled_meanwhile)
    tasks.append(asyncio.create_task(store.apply_batch("bakery", platform=M, messages=many(count))))
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    assert await store.counts("bakery") == (0, 0)
    assert await store.search("bulk") == []
    monkeypatch.setattr(batch_module, "_write_batch", real)
    result = await store.apply_batch("bakery", platform=M, messages=many(count))
    assert len(result.new_messages) == count
    assert await store.counts("bakery") == (1, count)
    assert len(await store.search("bulk", limit=1000)) == count


# A batch whose every message is stored as it came is checked and built a field at a time
# (batch._plain_rows); anything else goes message by message. The two must agree.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("plain", {}),
    ("accents and emoji", {"text": "Olá, bolo de café ☕ 🎂", "sender_name": "Zoë Ñúñez"}),
    ("an echo of ours", {"kind": MessageKind.ECHO, "from_us": True}),
    ("a plain str kind", {"kind": "message"}),
    ("other account", {"account_id": "elsewhere"}),
    ("empty id", {"remote_id": ""}),
    ("empty conversation", {"conversation_id": ""}),
    ("int text", {"text": 123}),
    ("None name", {"sender_name": None}),
    ("NUL in text", {"text": "a\x00b"}),
    ("lone surrogate in name", {"sender_name": "Ana \ud800"}),
    ("lone surrogate in text", {"text": "bolo \udfff"}),
    ("naive time", {"created_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC).replace(tzinfo=None)}),
    ("string time", {"created_at": "2026-11-20"}),
    ("unknown kind", {"kind": "sticker-pack"}),
    ("a reaction", {"reaction": "❤"}),
    ("a reply", {"reply_to": "m0"}),
    ("an attachment", {"attachments": (Attachment(kind="image", url="https://x/y.png"),)}),
    ("huge ASCII text", {"text": "x" * (MAX_TEXT_BYTES - 100)}),
    ("long non-ASCII text", {"text": "é" * (MAX_TEXT_BYTES // 4)}),
    ("too long in UTF-8", {"text": "🎂" * (MAX_TEXT_BYTES // 4 + 1)}),
]


@pytest.mark.parametrize("store_bodies", [True, False])
@pytest.mark.parametrize(("label", "change"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_the_whole_batch_path_agrees_with_message_by_message(
    label: str, change: dict[str, Any], store_bodies: bool
) -> None:
    other = msg("m1", "hello there", minute=1)
    odd = replace(msg("m2", minute=2), **change)
    rows = batch_module._plain_rows([other, odd], "bakery", store_bodies)
    fixed, notes, overflow = repair_message(odd)
    stored_as_it_came = (
        message_problem(fixed, "bakery") is None and not notes and not overflow and fixed == odd
    )
    if rows is None:
        assert label not in ("plain", "accents and emoji", "an echo of ours", "a plain str kind")
    else:
        assert stored_as_it_came, label
        assert rows == [
            batch_module._message_row(other, store_bodies),
            batch_module._message_row(odd, store_bodies),
        ]


async def test_a_batch_with_accents_and_a_repeated_message_is_stored_whole(
    store: Store,
) -> None:
    first = msg("m1", "Olá! Um bolo de café ☕", minute=1)
    batch = [first, msg("m2", "Zoë says hi 🎂", minute=2), replace(first, text="Olá de novo")]
    assert batch_module._plain_rows(batch, "bakery", True) is not None
    result = await store.apply_batch("bakery", platform=M, messages=batch)
    assert [(m.remote_id, m.text) for m in result.new_messages] == [
        ("m1", "Olá de novo"),
        ("m2", "Zoë says hi 🎂"),
    ]
    page = await store.messages_page("bakery", "t_1", None, 10)
    assert [(m.remote_id, m.text) for m in page] == [
        ("m2", "Zoë says hi 🎂"),
        ("m1", "Olá de novo"),
    ]
    assert [h.message.remote_id for h in await store.search("cafe")] == []
    assert [h.message.remote_id for h in await store.search("novo")] == ["m1"]
    assert result.repaired == [] and result.quarantined == []
