"""Atomic ingest: conversations, messages and sync cursors in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import chain, repeat
from operator import floordiv, is_, itemgetter, sub
from typing import Any, cast

from tui.domain.models import (
    Conversation,
    InboxMessage,
    MessageKind,
    Platform,
    QuarantinedRecord,
)
from tui.store.base import ADD_SENDER, SNIPPET_SQL, StoreBase
from tui.store.rows import attachments_json, name_key, to_ms
from tui.store.validate import (
    KINDS,
    MAX_TEXT_BYTES,
    OVERFLOW_KIND,
    conversation_problem,
    message_problem,
    needs_no_repair,
    not_plain_str,
    payload_of,
    repair_conversation,
    repair_message,
    safe_id,
)

# Each held-back record is kept once, however often a poll meets it again.
INSERT_QUARANTINE_ONCE = (
    "INSERT INTO quarantine (account_id, kind, remote_id, reason, payload, at) "
    "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM quarantine WHERE account_id = ? "
    "AND kind = ? AND remote_id IS ? AND reason = ? AND (remote_id IS NOT NULL OR payload = ?))"
)


def quarantine_row(q: QuarantinedRecord) -> tuple[Any, ...]:
    """Parameters of :data:`INSERT_QUARANTINE_ONCE` for one record."""
    key = (q.account_id, q.kind, q.remote_id, q.reason, q.payload)
    return (*key, to_ms(q.at), *key)


_CHUNK = 500

_UPSERT_CONVERSATION = """
INSERT INTO conversations (account_id, remote_id, platform, customer_id, customer_name,
                           customer_username, name_key, updated_at, snippet)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, remote_id) DO UPDATE SET
    platform = excluded.platform,
    customer_id = CASE WHEN excluded.customer_id != '' THEN excluded.customer_id
                       ELSE customer_id END,
    customer_name = CASE WHEN excluded.customer_name != '' THEN excluded.customer_name
                         ELSE customer_name END,
    customer_username = CASE WHEN excluded.customer_username != ''
                             THEN excluded.customer_username ELSE customer_username END,
    name_key = CASE WHEN excluded.name_key != '' THEN excluded.name_key ELSE name_key END,
    updated_at = MAX(updated_at, excluded.updated_at),
    snippet = CASE WHEN message_count = 0 THEN excluded.snippet ELSE snippet END
WHERE platform IS NOT excluded.platform
   OR (excluded.customer_id != '' AND customer_id IS NOT excluded.customer_id)
   OR (excluded.customer_name != '' AND customer_name IS NOT excluded.customer_name)
   OR (excluded.customer_username != '' AND customer_username IS NOT excluded.customer_username)
   OR excluded.updated_at > updated_at
   OR (message_count = 0 AND snippet IS NOT excluded.snippet)
RETURNING remote_id
"""

# The platform fixes a message's time, thread, sender and direction; only its content and
# the sender's display name can change (an edit, an unsent attachment becoming available).
# A message its sender unsent stays removed and an edited one keeps its newest text: a
# stale poll or a late webhook never brings the old body back.
_MESSAGE_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT_MESSAGE_HEAD = """
INSERT INTO messages (account_id, remote_id, conversation_id, sender_id, sender_name,
                      created_at, text, kind, from_us, attachments, reaction, unsupported,
                      reply_to, reply_to_self)
VALUES """
_UPSERT_MESSAGE_TAIL = """
ON CONFLICT (account_id, remote_id) DO UPDATE SET
    sender_name = excluded.sender_name,
    text = excluded.text,
    kind = excluded.kind,
    attachments = excluded.attachments,
    reaction = excluded.reaction,
    unsupported = excluded.unsupported,
    reply_to = excluded.reply_to,
    reply_to_self = excluded.reply_to_self
WHERE removed = 0 AND edited = 0 AND (sender_name IS NOT excluded.sender_name
   OR text IS NOT excluded.text
   OR kind IS NOT excluded.kind
   OR attachments IS NOT excluded.attachments
   OR reaction IS NOT excluded.reaction
   OR unsupported IS NOT excluded.unsupported
   OR reply_to IS NOT excluded.reply_to
   OR reply_to_self IS NOT excluded.reply_to_self)
"""
_UPSERT_MESSAGE = _UPSERT_MESSAGE_HEAD + _MESSAGE_VALUES + _UPSERT_MESSAGE_TAIL
"""The upsert of one message row (the fallback after a refused batch, one by one)."""

ROWS_PER_STATEMENT = 50
"""Message rows upserted by one statement (a multi-row VALUES). SQLite opens the table's
and its indexes' cursors once per statement: 50 rows a statement cost about 40% less
SQLite time than ``executemany`` of one row each."""


@cache
def upsert_messages_sql(count: int) -> str:
    """The message upsert of ``count`` rows in one statement (parameters: rows flattened)."""
    return _UPSERT_MESSAGE_HEAD + ", ".join([_MESSAGE_VALUES] * count) + _UPSERT_MESSAGE_TAIL


# The columns an edit may change, in _message_row order (see _content_of).
_CONTENT = "sender_name, text, kind, attachments, reaction, unsupported, reply_to, reply_to_self"

_STUB_CONVERSATION = """
INSERT INTO conversations (account_id, remote_id, platform, customer_id, customer_name,
                           name_key, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, remote_id) DO NOTHING
"""

_SUMMARY = f"""
UPDATE conversations SET
    updated_at = MAX(conversations.updated_at, n.created_at),
    snippet = n.snippet,
    last_from_us = n.from_us,
    answered = MAX(answered, :ours),
    unread_count = unread_count + :unread,
    message_count = message_count + :added,
    last_inbound_at = CASE WHEN :inbound IS NULL THEN last_inbound_at
                           ELSE MAX(COALESCE(last_inbound_at, 0), :inbound) END,
    status = CASE WHEN :reopen THEN 'open' ELSE status END,
    snoozed_until = CASE WHEN :reopen THEN NULL ELSE snoozed_until END,
    customer_id = CASE WHEN customer_id = '' THEN :cid ELSE customer_id END,
    customer_name = CASE WHEN customer_name = '' THEN :cname ELSE customer_name END,
    name_key = CASE WHEN name_key = '' THEN :ckey ELSE name_key END
FROM (SELECT m.created_at, m.from_us, {SNIPPET_SQL} AS snippet FROM messages m
      WHERE m.account_id = :a AND m.conversation_id = :c
      ORDER BY m.created_at DESC, m.remote_id DESC LIMIT 1) AS n
WHERE conversations.account_id = :a AND conversations.remote_id = :c
"""

_UPSERT_CURSOR = """
INSERT INTO cursors (account_id, name, value) VALUES (?, ?, ?)
ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value
"""


@dataclass
class BatchResult:
    """What one ``apply_batch`` did."""

    new_messages: list[InboxMessage] = field(default_factory=list)
    """Messages not stored before, oldest first."""
    updated: int = 0
    """Stored messages whose content changed (edits)."""
    changed_conversations: list[str] = field(default_factory=list)
    """Remote ids of conversations created or changed."""
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    """Remote ids of records stored with markers (NUL, lone surrogate) or cut (oversize)."""
    index_pending: int = 0
    """New messages committed and waiting for the search index (indexed within a second)."""


def _message_row(m: InboxMessage, store_bodies: bool) -> tuple[Any, ...]:
    return (
        m.account_id,
        m.remote_id,
        m.conversation_id,
        m.sender_id,
        m.sender_name,
        to_ms(m.created_at),
        m.text if store_bodies else "",
        str(m.kind),
        int(m.from_us),
        attachments_json(tuple(m.attachments)) if m.attachments else "[]",
        m.reaction,
        int(m.unsupported),
        m.reply_to,
        int(m.reply_to_self),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_PLAIN_TEXT_LIMIT = MAX_TEXT_BYTES - 200  # as needs_no_repair: room for an overflow marker


def _plain_rows(
    records: Sequence[object], account_id: str, store_bodies: bool
) -> list[tuple[Any, ...]] | None:
    """The rows (:func:`_message_row`, in batch order) of a batch in which every message
    is stored as it came, or ``None`` to go message by message.

    Checked and built a field at a time over the whole batch (a list per field, one
    ``join``, ``map`` and ``zip``) instead of a Python call per message: ingest spends
    most of its Python time here. A message passes when the message-by-message path would
    store it unchanged, with no repair note and no refusal: an ``InboxMessage`` of this
    account with non-empty ids, string fields free of NUL and lone surrogates, an aware
    ``datetime``, a known kind, no reaction, reply or attachment, and a text short enough
    never to be cut (tests/store/test_batch.py compares the two paths). Accented and emoji
    text passes too (message by message it is checked field by field, 5x slower).
    """
    if not records:
        return None
    try:
        if set(map(type, records)) != {InboxMessage}:
            return None
        messages = cast("Sequence[InboxMessage]", records)
        # A list per field (a comprehension reads an attribute faster than attrgetter).
        accounts = [m.account_id for m in messages]
        remote_ids = [m.remote_id for m in messages]
        conversation_ids = [m.conversation_id for m in messages]
        sender_ids = [m.sender_id for m in messages]
        names = [m.sender_name for m in messages]
        times = [m.created_at for m in messages]
        texts = [m.text for m in messages]
        kinds = [m.kind for m in messages]
        attachments = [m.attachments for m in messages]
        reactions = [m.reaction for m in messages]
        reply_tos = [m.reply_to for m in messages]
        # str.join refuses anything but strings: every id, name and text is a str.
        joined = "".join(chain(remote_ids, conversation_ids, sender_ids, names, texts))
        if (
            set(accounts) != {account_id}
            or not all(remote_ids)
            or not all(conversation_ids)
            or "\x00" in joined
            or set(map(type, times)) != {datetime}
            or not all(map(isinstance, kinds, repeat(str)))
            or not set(kinds) <= KINDS
            or any(attachments)
            or not all(map(is_, reactions, repeat(None)))
            or not all(map(is_, reply_tos, repeat(None)))
        ):
            return None
        longest = max(map(len, texts))
        if joined.isascii():
            if longest > _PLAIN_TEXT_LIMIT:
                return None
        elif longest * 4 > _PLAIN_TEXT_LIMIT:
            return None  # its UTF-8 form might need cutting
        else:
            joined.encode("utf-8")  # UnicodeEncodeError: a lone surrogate
        # Naive times raise TypeError here (to_ms takes them as UTC: the slow path).
        times_ms = list(map(floordiv, map(sub, times, repeat(_EPOCH)), repeat(_MS)))
        return list(
            zip(
                accounts,
                remote_ids,
                conversation_ids,
                sender_ids,
                names,
                times_ms,
                texts if store_bodies else repeat(""),
                map(str, kinds),
                [int(m.from_us) for m in messages],
                repeat("[]"),
                reactions,
                [int(m.unsupported) for m in messages],
                reply_tos,
                [int(m.reply_to_self) for m in messages],
            )
        )
    except (TypeError, ValueError, OverflowError, UnicodeEncodeError):
        return None


def _content_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (row[4], row[6], row[7], row[9], row[10], row[11], row[12], row[13])


_ECHO = str(MessageKind.ECHO)
_SORT_KEY = itemgetter(5, 1)  # created_at, remote_id
_REMOTE_ID = itemgetter(1)
_CONVERSATION_ID = itemgetter(2)
_SENDER = itemgetter(0, 2, 3, 4)  # account, conversation, sender id, sender name


def _row_is_inbound(row: tuple[Any, ...]) -> bool:
    """A row of :func:`_message_row` from the customer (not ours, not an echo)."""
    return not row[8] and row[7] != _ECHO


@dataclass
class _Batch:
    """One batch, validated on the event loop, for :func:`_write_batch` to store."""

    account_id: str
    platform: Platform
    store_bodies: bool
    now: datetime
    conversations: list[Conversation]
    rows: list[tuple[Any, ...]]
    """Message rows (:func:`_message_row`), oldest first, one per remote id."""
    messages: dict[str, InboxMessage]
    """The message of each row, by remote id."""
    cursors: list[tuple[str, str, str]]


class BatchMixin(StoreBase):
    """``apply_batch`` and the cursors it writes."""

    async def apply_batch(
        self,
        account_id: str,
        *,
        platform: Platform,
        conversations: Sequence[Conversation] = (),
        messages: Sequence[InboxMessage] = (),
        cursors: Mapping[str, str] | None = None,
        store_bodies: bool = True,
    ) -> BatchResult:
        """Store one sync batch and its cursors atomically: all of it, or none of it.

        Records that cannot be stored are quarantined (and reported) while the rest of the
        batch is stored. ``store_bodies=False`` keeps messages without their text.

        Raises:
            ValueError: a cursor name or value is not a plain string.
            sqlite3.Error: the database failed; nothing of the batch (or cursors) was kept.
        """
        for key, value in (cursors or {}).items():
            if not_plain_str(key) or not_plain_str(value):
                raise ValueError("cursor names and values must be plain strings")
        now = datetime.now(UTC)
        result = BatchResult()

        def reject(record: object, kind: str, reason: str) -> None:
            result.quarantined.append(
                QuarantinedRecord(
                    account_id=account_id,
                    kind=kind,
                    reason=reason,
                    payload=payload_of(record, keep_text=store_bodies),
                    at=now,
                    remote_id=safe_id(record),
                )
            )

        good_conversations: list[Conversation] = []
        for conversation in conversations:
            conversation, notes = repair_conversation(conversation)
            if notes:
                result.repaired.append(str(safe_id(conversation)))
            if problem := conversation_problem(conversation, account_id):
                reject(conversation, "conversation", problem)
            else:
                good_conversations.append(conversation)
        by_id: dict[str, InboxMessage] = {}
        if not isinstance(messages, list | tuple):
            messages = list(messages)  # read twice below
        plain = _plain_rows(messages, account_id, store_bodies)
        if plain is not None:
            # Every message is stored as it came: the last copy of each remote id wins.
            by_id = dict(zip(map(_REMOTE_ID, plain), messages, strict=True))
            rows = list(dict(zip(map(_REMOTE_ID, plain), plain, strict=True)).values())
        else:
            for message in messages:
                if needs_no_repair(message, account_id):
                    by_id[message.remote_id] = message  # the last copy in a batch wins
                    continue
                message, notes, overflow = repair_message(message)
                if problem := message_problem(message, account_id):
                    reject(message, "message", problem)
                else:
                    by_id[message.remote_id] = message
                    if notes:
                        result.repaired.append(message.remote_id)
                    if overflow:
                        result.quarantined.append(
                            QuarantinedRecord(
                                account_id=account_id,
                                kind=OVERFLOW_KIND,
                                reason=(
                                    f"conversation {message.conversation_id}: the text was "
                                    f"too long to store whole; these {len(overflow)} last "
                                    "characters are kept here"
                                ),
                                payload=overflow if store_bodies else "<withheld: bodies are off>",
                                at=now,
                                remote_id=message.remote_id,
                            )
                        )
            rows = [_message_row(m, store_bodies) for m in by_id.values()]
        rows.sort(key=_SORT_KEY)
        batch = _Batch(
            account_id=account_id,
            platform=platform,
            store_bodies=store_bodies,
            now=now,
            conversations=good_conversations,
            rows=rows,
            messages=by_id,
            cursors=[(account_id, k, v) for k, v in (cursors or {}).items()],
        )
        async with self._transaction():
            # Every statement of the batch in one trip to the database thread: no hand-off
            # between them, and the same all-or-nothing transaction around them.
            await self._on_db_thread(lambda db: _write_batch(db, batch, result))
        await self._messages_committed(result.index_pending)
        return result


_QUARANTINE_ACTIVITY = (
    "INSERT INTO activity (at, account_id, kind, summary, detail) VALUES (?, ?, 'quarantine', ?, ?)"
)
"""The activity line telling what a batch held back or stored with markers."""


def _write_batch(db: sqlite3.Connection, batch: _Batch, result: BatchResult) -> None:
    """Write a validated batch inside the caller's transaction (plain sqlite3, on the
    database thread); fills in ``result``."""
    changed: dict[str, None] = {}
    for conversation in batch.conversations:
        if _upsert_conversation(db, conversation, batch.platform, batch.store_bodies):
            changed[conversation.remote_id] = None
    if batch.rows:
        for row in _write_messages(db, batch, result):
            changed[row[2]] = None
    if batch.cursors:
        db.executemany(_UPSERT_CURSOR, batch.cursors)
    account_id, at = batch.account_id, to_ms(batch.now)
    if result.quarantined:
        kept_before = db.total_changes
        db.executemany(INSERT_QUARANTINE_ONCE, [quarantine_row(q) for q in result.quarantined])
        held = db.total_changes - kept_before
        if held > 0:
            first = result.quarantined[0]
            db.execute(
                _QUARANTINE_ACTIVITY,
                (
                    at,
                    account_id,
                    f"Held back {held} record(s) that could not be stored whole",
                    f"{first.kind} {first.remote_id or ''}: {first.reason}"[:1000],
                ),
            )
    if result.repaired:
        db.execute(
            _QUARANTINE_ACTIVITY,
            (
                at,
                account_id,
                f"Stored {len(result.repaired)} record(s) with markers "
                "(NUL, lone surrogate or a cut oversize text)",
                ", ".join(result.repaired[:20])[:1000],
            ),
        )
    result.changed_conversations = list(changed)


def _upsert_conversation(
    db: sqlite3.Connection, c: Conversation, platform: Platform, store_bodies: bool
) -> bool:
    customer = c.customer
    # A Matrix account's rooms bridged to Instagram or Messenger live under that network.
    own = c.platform if platform is Platform.MATRIX else platform
    params = (
        c.account_id,
        c.remote_id,
        str(own),
        customer.platform_user_id,
        customer.name,
        customer.username,
        name_key(customer.name or customer.username),
        to_ms(c.updated_at),
        c.snippet if store_bodies else "",
    )
    return bool(db.execute(_UPSERT_CONVERSATION, params).fetchall())


def _in_parts(
    db: sqlite3.Connection, sql: str, account_id: str, keys: list[str]
) -> list[sqlite3.Row]:
    """``sql`` (ending in ``IN (``) for ``keys``, 500 at a time."""
    found: list[sqlite3.Row] = []
    for i in range(0, len(keys), _CHUNK):
        part = keys[i : i + _CHUNK]
        found += db.execute(sql + ",".join("?" * len(part)) + ")", (account_id, *part))
    return found


def _write_messages(
    db: sqlite3.Connection, batch: _Batch, result: BatchResult
) -> list[tuple[Any, ...]]:
    """Upsert new and changed messages, keep summaries; returns the rows written."""
    account_id, rows = batch.account_id, batch.rows
    # What is stored already, to tell new messages from edits from plain repeats.
    existing: dict[str, tuple[Any, ...]] = {
        r[0]: tuple(r)[1:]
        for r in _in_parts(
            db,
            f"SELECT remote_id, {_CONTENT} FROM messages WHERE account_id = ? AND remote_id IN (",
            account_id,
            list(map(_REMOTE_ID, rows)),
        )
    }
    conversation_ids = list(dict.fromkeys(map(_CONVERSATION_ID, rows)))
    known_conversations = {
        r[0]
        for r in _in_parts(
            db,
            "SELECT remote_id FROM conversations WHERE account_id = ? AND remote_id IN (",
            account_id,
            conversation_ids,
        )
    }
    if existing:
        todo = [row for row in rows if existing.get(row[1]) != _content_of(row)]
        if not todo:
            return []
    else:
        todo = rows

    # Messages may arrive before their conversation was listed: create a stub from them.
    stubs: dict[str, tuple[Any, ...]] = {}
    platform = str(batch.platform)
    for row in todo if len(known_conversations) < len(conversation_ids) else ():
        conversation_id = row[2]
        if conversation_id in known_conversations:
            continue
        stub = stubs.get(conversation_id)
        inbound = _row_is_inbound(row)
        if stub is None or (inbound and stub[3] == ""):
            stubs[conversation_id] = (
                account_id,
                conversation_id,
                platform,
                row[3] if inbound else "",
                row[4] if inbound else "",
                name_key(row[4]) if inbound else "",
                row[5],
            )
    if stubs:
        db.executemany(_STUB_CONVERSATION, list(stubs.values()))

    stored = _insert_messages(db, todo, batch.messages, result)
    # Row fields 0, 2, 3, 4: account, conversation, sender id, sender name.
    db.executemany(ADD_SENDER, list(dict.fromkeys(map(_SENDER, stored))))
    summaries: dict[str, dict[str, Any]] = {}
    new_rows: list[tuple[Any, ...]] = []
    for row in stored:
        s = summaries.get(row[2])
        if s is None:
            s = summaries[row[2]] = {
                "a": account_id,
                "c": row[2],
                "unread": 0,
                "added": 0,
                "inbound": None,
                "reopen": 0,
                "cid": "",
                "cname": "",
                "ours": 0,
            }
        is_new = row[1] not in existing
        if is_new:
            s["added"] += 1
            new_rows.append(row)
        if row[8]:
            s["ours"] = 1
        if not _row_is_inbound(row):
            continue  # ours: neither unread nor the customer's
        if s["inbound"] is None or row[5] > s["inbound"]:
            s["inbound"] = row[5]
        if not s["cid"]:
            s["cid"], s["cname"] = row[3], row[4]
        if is_new:
            s["unread"] += 1
            s["reopen"] = 1
    for s in summaries.values():
        s["ckey"] = name_key(s["cname"])
    result.new_messages = [batch.messages[row[1]] for row in new_rows]
    result.updated = len(stored) - len(new_rows)
    if summaries:
        db.executemany(_SUMMARY, list(summaries.values()))
    return stored


def _insert_messages(
    db: sqlite3.Connection,
    rows: list[tuple[Any, ...]],
    messages: dict[str, InboxMessage],
    result: BatchResult,
) -> list[tuple[Any, ...]]:
    """Upsert the rows and list the new ones for the index; returns the rows stored."""
    # Rowids only grow and the write lock is held, so every row above this one is new.
    high_water = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchall()[0][0])
    stored = _upsert_rows(db, rows, messages, result)
    # Listed for the search index, which a follow-up transaction brings up to date
    # (see StoreBase._messages_committed): committed together with the rows, so
    # nothing is left unindexed by a crash in between.
    cur = db.execute(
        "INSERT INTO fts_pending (id) SELECT id FROM messages WHERE id > ? AND text != ''",
        (high_water,),
    )
    result.index_pending = max(cur.rowcount, 0)
    return stored


def _upsert_rows(
    db: sqlite3.Connection,
    rows: list[tuple[Any, ...]],
    messages: dict[str, InboxMessage],
    result: BatchResult,
) -> list[tuple[Any, ...]]:
    """All rows, ROWS_PER_STATEMENT a statement; if SQL refuses one, retry one by one."""
    db.execute("SAVEPOINT batch_messages")
    try:
        size = ROWS_PER_STATEMENT
        whole = len(rows) - len(rows) % size
        if whole:
            db.executemany(
                upsert_messages_sql(size),
                [tuple(chain.from_iterable(rows[i : i + size])) for i in range(0, whole, size)],
            )
        if whole < len(rows):
            db.execute(
                upsert_messages_sql(len(rows) - whole), tuple(chain.from_iterable(rows[whole:]))
            )
    except sqlite3.Error:
        db.execute("ROLLBACK TO batch_messages")
    else:
        db.execute("RELEASE batch_messages")
        return rows
    db.execute("RELEASE batch_messages")
    stored: list[tuple[Any, ...]] = []
    for row in rows:
        db.execute("SAVEPOINT one_message")
        try:
            db.execute(_UPSERT_MESSAGE, row)
        except sqlite3.Error as exc:
            db.execute("ROLLBACK TO one_message")
            m = messages[row[1]]
            result.quarantined.append(
                QuarantinedRecord(
                    account_id=m.account_id,
                    kind="message",
                    reason=f"database refused it: {type(exc).__name__}",
                    payload=payload_of(m, keep_text=row[6] == m.text),
                    at=datetime.now(UTC),
                    remote_id=m.remote_id,
                )
            )
        else:
            stored.append(row)
        db.execute("RELEASE one_message")
    return stored
