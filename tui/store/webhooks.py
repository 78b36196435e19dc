"""The webhook inbox, and the changes only webhooks report: unsends, edits, receipts, owners.

Every signed event is written here before the receiver answers Meta; a processor then
applies it to conversations and messages. The inbox is keyed by a stable event key, so a
retried or duplicated delivery is stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.domain.models import InboxMessage
from tui.store.base import ADD_SENDER, StoreBase
from tui.store.rows import MESSAGE_COLUMNS, from_ms, message_from_values, opt_from_ms, to_ms

PENDING = "pending"
DONE = "done"
FAILED = "failed"
MAX_ATTEMPTS = 8
"""An event that cannot be applied after this many tries is set aside as failed."""
KEEP_KEYS = timedelta(days=8)
"""How long an applied or failed event's row is kept: Meta retries a delivery "a few more
times with decreasing frequency over the next 7 days" (WhatsApp's create-webhook-endpoint
page), and a late copy must still be known. An applied event keeps only its key, and so
does one set aside: nobody reads a failed event's text again, and it must not outlive the
user's privacy settings here."""


@dataclass(frozen=True)
class WebhookRecord:
    """One event of a delivery, as the receiver stores it (payload is its JSON text)."""

    event_key: str
    object: str
    entry_id: str
    event_time: int
    """Epoch milliseconds (the event's ``timestamp``, else the entry's ``time``)."""
    payload: str


@dataclass(frozen=True)
class StoredWebhookEvent:
    id: int
    object: str
    entry_id: str
    event_time: int
    payload: str
    attempts: int


@dataclass(frozen=True)
class WebhookStats:
    pending: int
    done: int
    failed: int
    last_received_at: int | None


_INSERT = """
INSERT INTO webhook_inbox (event_key, object, entry_id, event_time, received_at, payload)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (event_key) DO NOTHING
"""


class WebhookMixin(StoreBase):
    """The inbox of raw webhook events and the store changes they lead to."""

    async def add_webhook_events(self, records: Sequence[WebhookRecord], now: datetime) -> int:
        """Store a delivery's events in one transaction; returns how many were new."""
        received = to_ms(now)
        async with self._transaction() as db:
            before = db.total_changes
            await db.executemany(
                _INSERT,
                [
                    (r.event_key, r.object, r.entry_id, r.event_time, received, r.payload)
                    for r in records
                ],
            )
            return db.total_changes - before

    async def pending_webhook_events(self, limit: int = 500) -> list[StoredWebhookEvent]:
        """Events not applied yet, oldest event first (Meta may deliver out of order)."""
        rows = await self._all(
            "SELECT id, object, entry_id, event_time, payload, attempts FROM webhook_inbox "
            "WHERE state = 'pending' ORDER BY event_time, id LIMIT ?",
            (limit,),
        )
        return [StoredWebhookEvent(*tuple(r)) for r in rows]

    async def finish_webhook_events(
        self, done: Sequence[int], retry: Sequence[tuple[int, str]] = ()
    ) -> None:
        """Mark events applied; count a failed try on others (set aside after too many,
        keeping only the key and the reason)."""
        async with self._transaction() as db:
            if done:
                # Applied: what it said is in the store now, under the user's privacy
                # settings (bodies off, unsends, retention); the raw text must not outlive
                # them here.
                await db.executemany(
                    "UPDATE webhook_inbox SET state = 'done', error = NULL, payload = '' "
                    "WHERE id = ?",
                    [(i,) for i in done],
                )
            if retry:
                await db.executemany(
                    # Every expression reads the row as it was before this update.
                    "UPDATE webhook_inbox SET attempts = attempts + 1, error = ?, "
                    f"state = CASE WHEN attempts + 1 >= {MAX_ATTEMPTS} THEN 'failed' "
                    "ELSE state END, "
                    f"payload = CASE WHEN attempts + 1 >= {MAX_ATTEMPTS} THEN '' "
                    "ELSE payload END WHERE id = ?",
                    [(why, i) for i, why in retry],
                )

    async def prune_webhook_inbox(self, now: datetime) -> int:
        """Drop the rows of events applied or set aside more than ``KEEP_KEYS`` ago, and
        the text of finished events an older version kept; returns the rows dropped."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE webhook_inbox SET payload = '' "
                "WHERE state IN ('done', 'failed') AND payload != ''"
            )
            async with db.execute(
                "DELETE FROM webhook_inbox WHERE state IN ('done', 'failed') AND received_at < ?",
                (to_ms(now - KEEP_KEYS),),
            ) as cur:
                return max(cur.rowcount, 0)

    async def webhook_stats(self) -> WebhookStats:
        row = await self._one(
            "SELECT SUM(state = 'pending'), SUM(state = 'done'), SUM(state = 'failed'), "
            "MAX(received_at) FROM webhook_inbox"
        )
        values = tuple(row) if row is not None else (0, 0, 0, None)
        return WebhookStats(
            int(values[0] or 0), int(values[1] or 0), int(values[2] or 0), values[3]
        )

    # -- what the events change ----------------------------------------------------------

    async def conversation_of_customer(
        self, account_id: str, customer_id: str
    ) -> tuple[str, str] | None:
        """The conversation this account has with ``customer_id`` (a PSID or IGSID), and
        the customer's name as stored (``""`` when unknown)."""
        row = await self._one(
            "SELECT remote_id, customer_name, customer_username FROM conversations "
            "WHERE account_id = ? AND customer_id = ? ORDER BY updated_at DESC LIMIT 1",
            (account_id, customer_id),
        )
        if row is None:
            return None
        return str(row[0]), str(row[1] or row[2] or "")

    async def conversation_of_message(self, account_id: str, remote_id: str) -> str | None:
        value = await self._scalar(
            "SELECT conversation_id FROM messages WHERE account_id = ? AND remote_id = ?",
            (account_id, remote_id),
        )
        return None if value is None else str(value)

    async def mark_removed(
        self,
        account_id: str,
        remote_id: str,
        *,
        conversation_id: str,
        sender_id: str,
        created_at: datetime,
        from_us: bool,
    ) -> bool:
        """The sender unsent a message: drop its body (and its search entry), keep a mark.

        When the message is not stored yet (the unsend overtook it), the mark is stored
        alone, so the message arriving later stays removed. Returns whether anything changed.
        """
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE messages SET text = '', attachments = '[]', reaction = NULL, "
                "removed = 1 WHERE account_id = ? AND remote_id = ? AND removed = 0",
                (account_id, remote_id),
            )
            changed = cur.rowcount > 0
            if not changed:
                exists = await db.execute(
                    "SELECT 1 FROM messages WHERE account_id = ? AND remote_id = ?",
                    (account_id, remote_id),
                )
                if await exists.fetchone() is None:
                    await db.execute(
                        "INSERT INTO messages (account_id, remote_id, conversation_id, "
                        "sender_id, created_at, from_us, removed) VALUES (?, ?, ?, ?, ?, ?, 1)",
                        (
                            account_id,
                            remote_id,
                            conversation_id,
                            sender_id,
                            to_ms(created_at),
                            int(from_us),
                        ),
                    )
                    await db.execute(ADD_SENDER, (account_id, conversation_id, sender_id, ""))
                    changed = True
            if changed:
                await self._refresh_summary(account_id, conversation_id)
            return changed

    async def mark_edited(self, account_id: str, remote_id: str, text: str, *, count: int) -> bool:
        """The sender edited a message: the new text replaces the old (the index follows).

        ``count`` is the edit's number: an older edit delivered late changes nothing.
        """
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE messages SET text = ?, edited = ? WHERE account_id = ? AND remote_id = ? "
                "AND removed = 0 AND edited < ?",
                (text, count, account_id, remote_id, count),
            )
            if cur.rowcount <= 0:
                return False
            async with db.execute(
                "SELECT conversation_id FROM messages WHERE account_id = ? AND remote_id = ?",
                (account_id, remote_id),
            ) as found:
                row = await found.fetchone()
            if row is not None:
                await self._refresh_summary(account_id, str(row[0]))
            return True

    async def remove_reaction(self, account_id: str, remote_id: str) -> str | None:
        """A reaction taken back; returns its conversation when one was stored."""
        async with self._transaction() as db:
            async with db.execute(
                "SELECT conversation_id FROM messages WHERE account_id = ? AND remote_id = ?",
                (account_id, remote_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            await db.execute(
                "DELETE FROM messages WHERE account_id = ? AND remote_id = ?",
                (account_id, remote_id),
            )
            await self._refresh_summary(account_id, str(row[0]))
            return str(row[0])

    async def set_receipts(
        self,
        account_id: str,
        conversation_id: str,
        *,
        seen_at: datetime | None = None,
        delivered_at: datetime | None = None,
    ) -> bool:
        """The customer's read and delivery watermarks only move forward."""
        return (
            await self._write(
                "UPDATE conversations SET "
                "seen_at = MAX(COALESCE(seen_at, 0), COALESCE(:seen, 0)), "
                "delivered_at = MAX(COALESCE(delivered_at, 0), COALESCE(:seen, 0), "
                "COALESCE(:delivered, 0)) "
                "WHERE account_id = :a AND remote_id = :c AND "
                "(COALESCE(:seen, 0) > COALESCE(seen_at, 0) "
                " OR MAX(COALESCE(:seen, 0), COALESCE(:delivered, 0)) "
                "    > COALESCE(delivered_at, 0))",
                {
                    "a": account_id,
                    "c": conversation_id,
                    "seen": None if seen_at is None else to_ms(seen_at),
                    "delivered": None if delivered_at is None else to_ms(delivered_at),
                },
            )
            > 0
        )

    async def receipts(
        self, account_id: str, conversation_id: str
    ) -> tuple[datetime | None, datetime | None]:
        """``(seen_at, delivered_at)``: how far the customer has read and received."""
        row = await self._one(
            "SELECT seen_at, delivered_at FROM conversations WHERE account_id = ? "
            "AND remote_id = ?",
            (account_id, conversation_id),
        )
        if row is None:
            return (None, None)
        return (opt_from_ms(row[0]), opt_from_ms(row[1]))

    async def set_thread_owner(self, account_id: str, conversation_id: str, owner: str) -> bool:
        """Another app owns the thread (``owner`` is its app id), or ``""``: it is ours."""
        return (
            await self._write(
                "UPDATE conversations SET owner_app = ? WHERE account_id = ? AND remote_id = ? "
                "AND owner_app IS NOT ?",
                (owner, account_id, conversation_id, owner),
            )
            > 0
        )

    async def thread_owner(self, account_id: str, conversation_id: str) -> str:
        value = await self._scalar(
            "SELECT owner_app FROM conversations WHERE account_id = ? AND remote_id = ?",
            (account_id, conversation_id),
        )
        return "" if value is None else str(value)

    async def event_mark(self, account_id: str, name: str) -> int:
        """The newest time (ms) an ordered event kind was applied for ``name``; 0 if never."""
        value = await self._scalar(
            "SELECT value FROM cursors WHERE account_id = ? AND name = ?",
            (account_id, "wh:" + name),
        )
        try:
            return int(value) if value is not None else 0
        except ValueError:
            return 0

    async def set_event_mark(self, account_id: str, name: str, at_ms: int) -> None:
        await self._write(
            "INSERT INTO cursors (account_id, name, value) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value",
            (account_id, "wh:" + name, str(at_ms)),
        )

    async def message_time(self, account_id: str, remote_id: str) -> datetime | None:
        value = await self._scalar(
            "SELECT created_at FROM messages WHERE account_id = ? AND remote_id = ?",
            (account_id, remote_id),
        )
        return None if value is None else from_ms(int(value))

    async def stored_message(self, account_id: str, remote_id: str) -> InboxMessage | None:
        row = await self._one(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.account_id = ? AND m.remote_id = ?",
            (account_id, remote_id),
        )
        return None if row is None else message_from_values(row)

    async def recent_conversations(
        self, account_id: str, since: datetime, limit: int = 25
    ) -> list[str]:
        """Conversations with activity since ``since``, newest first."""
        rows = await self._all(
            "SELECT remote_id FROM conversations WHERE account_id = ? AND updated_at >= ? "
            "ORDER BY updated_at DESC LIMIT ?",
            (account_id, to_ms(since), limit),
        )
        return [str(r[0]) for r in rows]

    async def messages_between(
        self, account_id: str, conversation_id: str, start: datetime, end: datetime
    ) -> list[InboxMessage]:
        rows = await self._all(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.account_id = ? "
            "AND m.conversation_id = ? AND m.created_at >= ? AND m.created_at <= ?",
            (account_id, conversation_id, to_ms(start), to_ms(end)),
        )
        return [message_from_values(r) for r in rows]
