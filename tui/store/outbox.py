"""The outbox of sends with their states, the activity log and the quarantine list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from tui.domain.models import ActivityEvent, OutboxItem, OutboxState, QuarantinedRecord
from tui.store.base import StoreBase
from tui.store.rows import activity_from_row, outbox_from_row, quarantine_from_row, to_ms

_OUTBOX_COLUMNS = (
    "id, account_id, conversation_id, recipient_id, action, state, created_at, text, tag, "
    "idempotency_key, attempts, remote_id, error"
)
# A send that reached ``sent`` is history; every other state may still move.
_OPEN_STATES = ("queued", "sending", "failed", "unknown")
_MAX_ERROR_CHARS = 1000
_MAX_PAYLOAD_CHARS = 16_000


def _storable(value: object, limit: int) -> str:
    """Text SQLite accepts: lone surrogates escaped, NULs shown, length bounded."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return text[:limit]


class OutboxMixin(StoreBase):
    """Sends survive crashes: ``sending`` rows found at start-up become ``unknown``."""

    async def enqueue(
        self,
        *,
        account_id: str,
        conversation_id: str,
        recipient_id: str,
        action: str,
        text: str = "",
        tag: str | None = None,
        at: datetime | None = None,
    ) -> OutboxItem:
        """Queue a send with a fresh idempotency key; ``at`` is when the user asked."""
        async with (
            self._transaction() as db,
            db.execute(
                "INSERT INTO outbox (account_id, conversation_id, recipient_id, action, state, "
                "created_at, text, tag, idempotency_key) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?) "
                f"RETURNING {_OUTBOX_COLUMNS}",
                (
                    account_id,
                    conversation_id,
                    recipient_id,
                    action,
                    to_ms(at or datetime.now(UTC)),
                    text,
                    tag,
                    uuid.uuid4().hex,
                ),
            ) as cur,
        ):
            row = await cur.fetchone()
        assert row is not None
        return outbox_from_row(row)

    async def claim_outbox(self, item_id: int) -> OutboxItem | None:
        """Move a queued (or unknown, after the user checked) item to ``sending``.

        Returns ``None`` when the item is in any other state: someone else has it, or it
        is finished. Each claim counts one attempt.
        """
        async with (
            self._transaction() as db,
            db.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                "WHERE id = ? AND state IN ('queued', 'unknown') "
                f"RETURNING {_OUTBOX_COLUMNS}",
                (item_id,),
            ) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else outbox_from_row(row)

    async def finish_outbox(
        self,
        item_id: int,
        state: OutboxState,
        *,
        remote_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a send ended (``sent``, ``failed``, ``unknown``, or back to ``queued``).

        Raises:
            ValueError: ``state`` is ``sending`` (use ``claim_outbox``), or the item does
                not exist or was already sent.
        """
        state = OutboxState(state)
        if state is OutboxState.SENDING:
            raise ValueError("use claim_outbox to start sending")
        if error is not None:
            error = error[:_MAX_ERROR_CHARS]
        changed = await self._write(
            "UPDATE outbox SET state = ?, remote_id = COALESCE(?, remote_id), error = ? "
            f"WHERE id = ? AND state IN ({','.join('?' * len(_OPEN_STATES))})",
            (str(state), remote_id, error, item_id, *_OPEN_STATES),
        )
        if changed == 0:
            raise ValueError(f"outbox item {item_id} does not exist or was already sent")

    async def outbox_items(
        self,
        states: Sequence[OutboxState] | None = None,
        account_id: str | None = None,
    ) -> list[OutboxItem]:
        """Items oldest first, optionally only some states or one account."""
        sql = f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE 1"
        params: list[object] = []
        if states is not None:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += [str(OutboxState(s)) for s in states]
        if account_id is not None:
            sql += " AND account_id = ?"
            params.append(account_id)
        rows = await self._all(sql + " ORDER BY id", params)
        return [outbox_from_row(r) for r in rows]

    async def recover_outbox(self) -> int:
        """After a crash: sends caught mid-flight may have gone out, so mark them ``unknown``."""
        return await self._write(
            "UPDATE outbox SET state = 'unknown', "
            "error = COALESCE(error, 'interrupted while sending') WHERE state = 'sending'"
        )

    async def log_activity(self, event: ActivityEvent) -> None:
        await self._write(
            "INSERT INTO activity (at, account_id, kind, summary, detail) VALUES (?, ?, ?, ?, ?)",
            (to_ms(event.at), event.account_id, event.kind, event.summary, event.detail),
        )

    async def activity_page(
        self,
        *,
        account_id: str | None = None,
        kinds: Sequence[str] | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[ActivityEvent]:
        """Audit log, newest first."""
        sql = "SELECT id, at, account_id, kind, summary, detail FROM activity WHERE 1"
        params: list[object] = []
        if account_id is not None:
            sql += " AND account_id = ?"
            params.append(account_id)
        if kinds is not None:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params += list(kinds)
        sql += " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
        rows = await self._all(sql, [*params, max(limit, 0), max(offset, 0)])
        return [activity_from_row(r) for r in rows]

    async def add_quarantined(self, records: Sequence[QuarantinedRecord]) -> None:
        """Keep records an adapter could not map (its own reason and payload)."""
        rows = [
            (
                _storable(r.account_id, 200),
                _storable(r.kind, 100),
                None if r.remote_id is None else _storable(r.remote_id, 500),
                _storable(r.reason, _MAX_ERROR_CHARS),
                _storable(r.payload, _MAX_PAYLOAD_CHARS),
                to_ms(r.at),
            )
            for r in records
        ]
        if not rows:
            return
        async with self._transaction() as db:
            # Once per record: the adapter meets the same malformed record on every poll.
            await db.executemany(
                "INSERT INTO quarantine (account_id, kind, remote_id, reason, payload, at) "
                "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM quarantine "
                "WHERE account_id = ? AND kind = ? AND remote_id IS ? AND reason = ? "
                "AND (remote_id IS NOT NULL OR payload = ?))",
                [(*row, *row[:5]) for row in rows],
            )

    async def quarantine_count(self) -> int:
        """How many records are held back in the quarantine."""
        rows = await self._all("SELECT COUNT(*) FROM quarantine", ())
        return int(rows[0][0]) if rows else 0

    async def quarantined(self, limit: int = 100) -> list[QuarantinedRecord]:
        """Records that could not be stored, newest first."""
        rows = await self._all(
            "SELECT account_id, kind, remote_id, reason, payload, at FROM quarantine "
            "ORDER BY id DESC LIMIT ?",
            (max(limit, 0),),
        )
        return [quarantine_from_row(r) for r in rows]
