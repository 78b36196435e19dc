"""Atomic ingest: conversations, messages and sync cursors in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from tui.domain.models import (
    Conversation,
    InboxMessage,
    MessageKind,
    Platform,
    QuarantinedRecord,
)
from tui.store.base import SNIPPET_SQL, StoreBase
from tui.store.rows import attachments_json, name_key, to_ms
from tui.store.validate import (
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
_UPSERT_MESSAGE = """
INSERT INTO messages (account_id, remote_id, conversation_id, sender_id, sender_name,
                      created_at, text, kind, from_us, attachments, reaction, unsupported,
                      reply_to, reply_to_self)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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


def _content_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (row[4], row[6], row[7], row[9], row[10], row[11], row[12], row[13])


def _is_inbound(m: InboxMessage) -> bool:
    return not m.from_us and m.kind != MessageKind.ECHO


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
        for message in messages:
            if needs_no_repair(message, account_id):
                by_id[message.remote_id] = message
                continue
            message, notes, overflow = repair_message(message)
            if problem := message_problem(message, account_id):
                reject(message, "message", problem)
            else:
                by_id[message.remote_id] = message  # the last copy in a batch wins
                if notes:
                    result.repaired.append(message.remote_id)
                if overflow:
                    result.quarantined.append(
                        QuarantinedRecord(
                            account_id=account_id,
                            kind=OVERFLOW_KIND,
                            reason=(
                                f"conversation {message.conversation_id}: the text was too long "
                                f"to store whole; these {len(overflow)} last characters are kept "
                                "here"
                            ),
                            payload=overflow if store_bodies else "<withheld: bodies are off>",
                            at=now,
                            remote_id=message.remote_id,
                        )
                    )
        rows = {key: _message_row(m, store_bodies) for key, m in by_id.items()}
        order = sorted(rows.values(), key=lambda row: (row[5], row[1]))
        good = [by_id[row[1]] for row in order]

        async with self._transaction() as db:
            changed: dict[str, None] = {}
            for conversation in good_conversations:
                if await self._upsert_conversation(db, conversation, platform, store_bodies):
                    changed[conversation.remote_id] = None
            if good:
                stored = await self._write_messages(
                    db, account_id, platform, good, rows, store_bodies, result
                )
                for m in stored:
                    changed[m.conversation_id] = None
            if cursors:
                await db.executemany(
                    _UPSERT_CURSOR, [(account_id, k, v) for k, v in cursors.items()]
                )
            if result.quarantined:
                kept_before = db.total_changes
                await db.executemany(
                    INSERT_QUARANTINE_ONCE, [quarantine_row(q) for q in result.quarantined]
                )
                held = db.total_changes - kept_before
                if held > 0:
                    first = result.quarantined[0]
                    await db.execute(
                        "INSERT INTO activity (at, account_id, kind, summary, detail) "
                        "VALUES (?, ?, 'quarantine', ?, ?)",
                        (
                            to_ms(now),
                            account_id,
                            f"Held back {held} record(s) that could not be stored whole",
                            f"{first.kind} {first.remote_id or ''}: {first.reason}"[:1000],
                        ),
                    )
            if result.repaired:
                await db.execute(
                    "INSERT INTO activity (at, account_id, kind, summary, detail) "
                    "VALUES (?, ?, 'quarantine', ?, ?)",
                    (
                        to_ms(now),
                        account_id,
                        f"Stored {len(result.repaired)} record(s) with markers "
                        "(NUL, lone surrogate or a cut oversize text)",
                        ", ".join(result.repaired[:20])[:1000],
                    ),
                )
            result.changed_conversations = list(changed)
        await self._messages_committed(result.index_pending)
        return result

    async def _upsert_conversation(
        self, db: aiosqlite.Connection, c: Conversation, platform: Platform, store_bodies: bool
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
        async with db.execute(_UPSERT_CONVERSATION, params) as cur:
            return await cur.fetchone() is not None

    async def _write_messages(
        self,
        db: aiosqlite.Connection,
        account_id: str,
        platform: Platform,
        good: list[InboxMessage],
        rows: dict[str, tuple[Any, ...]],
        store_bodies: bool,
        result: BatchResult,
    ) -> list[InboxMessage]:
        """Upsert new and changed messages, keep summaries; returns the messages written."""
        # What is stored already, to tell new messages from edits from plain repeats.
        existing: dict[str, tuple[Any, ...]] = {}
        known_conversations: set[str] = set()
        ids = [m.remote_id for m in good]
        conv_ids = list(dict.fromkeys(m.conversation_id for m in good))
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            found = await self._all(
                f"SELECT remote_id, {_CONTENT} FROM messages WHERE account_id = ? "
                f"AND remote_id IN ({','.join('?' * len(part))})",
                (account_id, *part),
            )
            existing.update((r[0], tuple(r)[1:]) for r in found)
        for i in range(0, len(conv_ids), _CHUNK):
            part = conv_ids[i : i + _CHUNK]
            found = await self._all(
                "SELECT remote_id FROM conversations WHERE account_id = ? "
                f"AND remote_id IN ({','.join('?' * len(part))})",
                (account_id, *part),
            )
            known_conversations.update(r[0] for r in found)
        todo = [m for m in good if existing.get(m.remote_id) != _content_of(rows[m.remote_id])]
        if not todo:
            return []

        # Messages may arrive before their conversation was listed: create a stub from them.
        stubs: dict[str, tuple[Any, ...]] = {}
        for m in todo:
            if m.conversation_id in known_conversations:
                continue
            inbound = _is_inbound(m)
            if m.conversation_id not in stubs or (inbound and stubs[m.conversation_id][3] == ""):
                stubs[m.conversation_id] = (
                    account_id,
                    m.conversation_id,
                    str(platform),
                    m.sender_id if inbound else "",
                    m.sender_name if inbound else "",
                    name_key(m.sender_name) if inbound else "",
                    to_ms(m.created_at),
                )
        if stubs:
            await db.executemany(_STUB_CONVERSATION, list(stubs.values()))

        stored = await self._insert_messages(db, todo, [rows[m.remote_id] for m in todo], result)
        summaries: dict[str, dict[str, Any]] = {}
        for m in stored:
            s = summaries.setdefault(
                m.conversation_id,
                {
                    "a": account_id,
                    "c": m.conversation_id,
                    "unread": 0,
                    "added": 0,
                    "inbound": None,
                    "reopen": 0,
                    "cid": "",
                    "cname": "",
                    "ckey": "",
                },
            )
            is_new = m.remote_id not in existing
            if _is_inbound(m):
                at = to_ms(m.created_at)
                s["inbound"] = at if s["inbound"] is None else max(s["inbound"], at)
                if not s["cid"]:
                    s["cid"], s["cname"], s["ckey"] = (
                        m.sender_id,
                        m.sender_name,
                        name_key(m.sender_name),
                    )
                if is_new:
                    s["unread"] += 1
                    s["reopen"] = 1
            if is_new:
                s["added"] += 1
                result.new_messages.append(m)
        result.updated = len(stored) - len(result.new_messages)
        if summaries:
            await db.executemany(_SUMMARY, list(summaries.values()))
        return stored

    async def _insert_messages(
        self,
        db: aiosqlite.Connection,
        todo: list[InboxMessage],
        rows: list[tuple[Any, ...]],
        result: BatchResult,
    ) -> list[InboxMessage]:
        """Upsert the rows and index the new ones; returns the messages actually stored."""
        # Rowids only grow and the write lock is held, so every row above this one is new.
        async with db.execute("SELECT COALESCE(MAX(id), 0) FROM messages") as cur:
            row = await cur.fetchone()
        high_water = int(row[0]) if row else 0
        stored = await self._upsert_rows(db, todo, rows, result)
        # Listed for the search index, which a follow-up transaction brings up to date
        # (see StoreBase._messages_committed): committed together with the rows, so
        # nothing is left unindexed by a crash in between.
        async with db.execute(
            "INSERT INTO fts_pending (id) SELECT id FROM messages WHERE id > ? AND text != ''",
            (high_water,),
        ) as cur:
            result.index_pending = max(cur.rowcount, 0)
        return stored

    async def _upsert_rows(
        self,
        db: aiosqlite.Connection,
        todo: list[InboxMessage],
        rows: list[tuple[Any, ...]],
        result: BatchResult,
    ) -> list[InboxMessage]:
        """All rows in one executemany; if SQL still refuses one, retry one by one."""
        await db.execute("SAVEPOINT batch_messages")
        try:
            await db.executemany(_UPSERT_MESSAGE, rows)
        except sqlite3.Error:
            await db.execute("ROLLBACK TO batch_messages")
        else:
            await db.execute("RELEASE batch_messages")
            return todo
        await db.execute("RELEASE batch_messages")
        stored: list[InboxMessage] = []
        for m, row in zip(todo, rows, strict=True):
            await db.execute("SAVEPOINT one_message")
            try:
                await db.execute(_UPSERT_MESSAGE, row)
            except sqlite3.Error as exc:
                await db.execute("ROLLBACK TO one_message")
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
                stored.append(m)
            await db.execute("RELEASE one_message")
        return stored
