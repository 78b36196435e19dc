"""Reading the merged inbox page by page, triage state, and people across platforms."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

import aiosqlite

from tui.domain.models import Conversation, InboxMessage, TriageStatus
from tui.store.base import StoreBase
from tui.store.rows import (
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    conversation_from_values,
    message_from_values,
    name_key,
    to_ms,
)
from tui.store.views import ORDER_BY, InboxView, view_where_named


class InboxMixin(StoreBase):
    """Inbox lists (only the rows asked for are read), triage and people."""

    async def count_conversations(self, view: InboxView, now: datetime) -> int:
        where, params = view_where_named(view, now)
        return int(
            await self._scalar(f"SELECT COUNT(*) FROM conversations c WHERE {where}", params)
        )

    async def conversations_page(
        self, view: InboxView, offset: int, limit: int, now: datetime
    ) -> list[Conversation]:
        where, params = view_where_named(view, now)
        rows = await self._all(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE {where} "
            f"ORDER BY {ORDER_BY} LIMIT :limit OFFSET :offset",
            {**params, "limit": max(limit, 0), "offset": max(offset, 0)},
        )
        return [conversation_from_values(r) for r in rows]

    async def position_of(
        self, view: InboxView, account_id: str, remote_id: str, now: datetime
    ) -> int | None:
        """Index of a conversation in ``view`` (``None`` when the view does not hold it)."""
        where, params = view_where_named(view, now)
        target = await self._one(
            f"SELECT c.pinned, c.updated_at FROM conversations c WHERE {where} "
            "AND c.account_id = :a AND c.remote_id = :r",
            {**params, "a": account_id, "r": remote_id},
        )
        if target is None:
            return None
        # Count the rows that sort ahead of it: pinned first, newer first, then by ids.
        ahead = (
            "(c.pinned > :p OR (c.pinned = :p AND (c.updated_at > :u OR (c.updated_at = :u AND "
            "(c.remote_id < :r OR (c.remote_id = :r AND c.account_id < :a))))))"
        )
        count = await self._scalar(
            f"SELECT COUNT(*) FROM conversations c WHERE {where} AND {ahead}",
            {**params, "p": target[0], "u": target[1], "r": remote_id, "a": account_id},
        )
        return int(count)

    async def conversation_in_view(
        self, view: InboxView, account_id: str, remote_id: str, now: datetime
    ) -> Conversation | None:
        """One conversation as ``view`` lists it, or ``None`` when the view does not hold it.

        The inbox reads this one row after a live change instead of re-reading its page.
        """
        where, params = view_where_named(view, now)
        row = await self._one(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE {where} "
            "AND c.account_id = :a AND c.remote_id = :r",
            {**params, "a": account_id, "r": remote_id},
        )
        return None if row is None else conversation_from_values(row)

    async def messages_page(
        self,
        account_id: str,
        conversation_id: str,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[InboxMessage]:
        """Newest first; pass the last message's ``(created_at, remote_id)`` for the next page."""
        sql = (
            f"SELECT {MESSAGE_COLUMNS} FROM messages m "
            "WHERE m.account_id = ? AND m.conversation_id = ?"
        )
        params: list[object] = [account_id, conversation_id]
        if before is not None:
            sql += " AND (m.created_at, m.remote_id) < (?, ?)"
            params += [to_ms(before[0]), before[1]]
        sql += " ORDER BY m.created_at DESC, m.remote_id DESC LIMIT ?"
        rows = await self._all(sql, [*params, max(limit, 0)])
        return [message_from_values(r) for r in rows]

    async def total_unread(self, now: datetime | None = None) -> int:
        """Unread messages in conversations the inbox shows at ``now`` (muted ones left out)."""
        where, params = view_where_named(InboxView("unread"), now or datetime.now(UTC))
        value = await self._scalar(
            f"SELECT COALESCE(SUM(c.unread_count), 0) FROM conversations c "
            f"WHERE {where} AND c.muted = 0",
            params,
        )
        return int(value)

    # Triage: local state only.

    async def set_status(
        self,
        account_id: str,
        remote_id: str,
        status: TriageStatus,
        snoozed_until: datetime | None = None,
    ) -> None:
        """Open, done or snoozed (``snoozed_until`` is required for snoozed)."""
        status = TriageStatus(status)
        if status is TriageStatus.SNOOZED and snoozed_until is None:
            raise ValueError("snoozing needs a time to wake up")
        until = to_ms(snoozed_until) if status is TriageStatus.SNOOZED and snoozed_until else None
        await self._write(
            "UPDATE conversations SET status = ?, snoozed_until = ? "
            "WHERE account_id = ? AND remote_id = ?",
            (str(status), until, account_id, remote_id),
        )

    async def set_flag(
        self,
        account_id: str,
        remote_id: str,
        *,
        pinned: bool | None = None,
        muted: bool | None = None,
    ) -> None:
        await self._write(
            "UPDATE conversations SET pinned = COALESCE(?, pinned), muted = COALESCE(?, muted) "
            "WHERE account_id = ? AND remote_id = ?",
            (
                None if pinned is None else int(pinned),
                None if muted is None else int(muted),
                account_id,
                remote_id,
            ),
        )

    async def set_labels(self, account_id: str, remote_id: str, labels: Sequence[str]) -> None:
        clean = list(dict.fromkeys(str(label).strip() for label in labels if str(label).strip()))
        await self._write(
            "UPDATE conversations SET labels = ? WHERE account_id = ? AND remote_id = ?",
            (json.dumps(clean), account_id, remote_id),
        )

    async def mark_read(self, account_id: str, remote_id: str) -> None:
        await self._write(
            "UPDATE conversations SET unread_count = 0 WHERE account_id = ? AND remote_id = ?",
            (account_id, remote_id),
        )

    async def mark_unread(self, account_id: str, remote_id: str) -> None:
        await self._write(
            "UPDATE conversations SET unread_count = MAX(unread_count, 1) "
            "WHERE account_id = ? AND remote_id = ?",
            (account_id, remote_id),
        )

    async def wake_snoozed(self, now: datetime) -> list[tuple[str, str]]:
        """Reopen every conversation whose snooze has ended; returns their keys."""
        async with (
            self._transaction() as db,
            db.execute(
                "UPDATE conversations SET status = 'open', snoozed_until = NULL "
                "WHERE status = 'snoozed' AND COALESCE(snoozed_until, 0) <= ? "
                "RETURNING account_id, remote_id",
                (to_ms(now),),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return sorted((r[0], r[1]) for r in rows)

    # People: one human across platforms.

    async def link_people(self, a: tuple[str, str], b: tuple[str, str]) -> int:
        """Merge two conversations' customers into one person; returns the person id.

        Raises:
            KeyError: one of the conversations is not stored.
        """
        async with self._transaction() as db:
            found = []
            for key in (a, b):
                async with db.execute(
                    "SELECT person_id, customer_name, customer_username FROM conversations "
                    "WHERE account_id = ? AND remote_id = ?",
                    key,
                ) as cur:
                    row = await cur.fetchone()
                if row is None:
                    raise KeyError(f"no conversation {key[1]!r} on account {key[0]!r}")
                found.append(row)
            ids = [r[0] for r in found if r[0] is not None]
            if ids:
                person = int(ids[0])
            else:
                name = found[0][1] or found[0][2] or found[1][1] or found[1][2]
                async with db.execute(
                    "INSERT INTO people (display_name) VALUES (?) RETURNING id", (name,)
                ) as cur:
                    row = await cur.fetchone()
                    assert row is not None
                    person = int(row[0])
            for other in ids[1:]:
                if other != person:
                    await db.execute(
                        "UPDATE conversations SET person_id = ? WHERE person_id = ?",
                        (person, other),
                    )
                    await db.execute("DELETE FROM people WHERE id = ?", (other,))
            for key in (a, b):
                await db.execute(
                    "UPDATE conversations SET person_id = ? WHERE account_id = ? AND remote_id = ?",
                    (person, *key),
                )
        return person

    async def unlink_person(self, account_id: str, remote_id: str) -> None:
        """Take one conversation out of its person; a person left alone is dissolved."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE conversations SET person_id = NULL WHERE account_id = ? AND remote_id = ?",
                (account_id, remote_id),
            )
            await dissolve_lonely(db)

    async def has_outbound(self, account_id: str, conversation_id: str) -> bool:
        """Whether the account ever wrote in this conversation (the user chose to answer)."""
        rows = await self._all(
            "SELECT 1 FROM messages WHERE account_id = ? AND conversation_id = ? "
            "AND from_us = 1 LIMIT 1",
            (account_id, conversation_id),
        )
        return bool(rows)

    async def known_names(self, vip: Sequence[str] = ()) -> list[tuple[str, str, int | None]]:
        """``(name, customer id, person id)`` of everyone the user knows: people they
        merged or linked, customers an account answered, and the VIP entries' ids.

        Names here are what a stranger could imitate; ids are who they really are.
        """
        ids = {v.strip().rpartition(":")[2] for v in vip if not v.strip().startswith("person:")}
        people = {
            int(v.strip()[7:])
            for v in vip
            if v.strip().startswith("person:") and v.strip()[7:].isdigit()
        }
        ids.discard("")
        # One trip, plain tuples: a large store knows tens of thousands of people, and
        # a Row object per name cost more than the scan.
        return await self._on_db_thread(lambda db: _known_names(db, sorted(ids), sorted(people)))

    async def suggest_merges(self, limit: int = 20) -> list[tuple[Conversation, Conversation]]:
        """Pairs with the same display name (ignoring case and accents) on different accounts."""
        rows = await self._all(
            "SELECT a.account_id, a.remote_id, b.account_id, b.remote_id "
            "FROM conversations a JOIN conversations b ON b.name_key = a.name_key "
            "WHERE a.name_key != '' AND a.account_id < b.account_id "
            "AND (a.person_id IS NULL OR b.person_id IS NULL OR a.person_id != b.person_id) "
            "ORDER BY MAX(a.updated_at, b.updated_at) DESC LIMIT ?",
            (max(limit, 0),),
        )
        found = await self._conversations_for(
            [(r[0], r[1]) for r in rows] + [(r[2], r[3]) for r in rows]
        )
        pairs = [(found[(r[0], r[1])], found[(r[2], r[3])]) for r in rows]
        # A handle is chosen by whoever owns it: a Messenger stranger naming themselves
        # after an Instagram handle (in any case) is no ground for "the same person".
        return [(a, b) for a, b in pairs if _named(a) and _named(b)]

    async def person_timeline(
        self, person_id: int, before: tuple[datetime, str] | None, limit: int
    ) -> list[InboxMessage]:
        """Every message of a person's conversations on all accounts, newest first."""
        sql = (
            f"SELECT {MESSAGE_COLUMNS} FROM conversations c JOIN messages m "
            "ON m.account_id = c.account_id AND m.conversation_id = c.remote_id "
            "WHERE c.person_id = ?"
        )
        params: list[object] = [person_id]
        if before is not None:
            sql += " AND (m.created_at, m.remote_id) < (?, ?)"
            params += [to_ms(before[0]), before[1]]
        sql += " ORDER BY m.created_at DESC, m.remote_id DESC LIMIT ?"
        rows = await self._all(sql, [*params, max(limit, 0)])
        return [message_from_values(r) for r in rows]


def _named(conversation: Conversation) -> bool:
    """Whether the customer shows a display name of their own, not just a handle."""
    customer = conversation.customer
    return bool(customer.name.strip()) and name_key(customer.name) != name_key(customer.username)


async def dissolve_lonely(db: aiosqlite.Connection) -> None:
    """Delete people with fewer than two conversations (a person of one is no merge)."""
    await db.execute(
        "UPDATE conversations SET person_id = NULL WHERE person_id IN "
        "(SELECT person_id FROM conversations WHERE person_id IS NOT NULL "
        "GROUP BY person_id HAVING COUNT(*) < 2)"
    )
    await db.execute(
        "DELETE FROM people WHERE id NOT IN "
        "(SELECT person_id FROM conversations WHERE person_id IS NOT NULL)"
    )


def _known_names(
    db: sqlite3.Connection, ids: list[str], people: list[int]
) -> list[tuple[str, str, int | None]]:
    id_marks = ",".join("?" * len(ids)) or "NULL"
    person_marks = ",".join("?" * len(people)) or "NULL"
    cur = db.cursor()
    cur.row_factory = None
    found: list[tuple[str, str, int | None]] = cur.execute(
        "SELECT CAST(customer_name AS TEXT), CAST(customer_id AS TEXT), person_id "
        "FROM conversations WHERE customer_name != '' AND (person_id IS NOT NULL "
        f"OR answered = 1 OR customer_id IN ({id_marks}))",
        ids,
    ).fetchall()
    found += cur.execute(
        "SELECT CAST(display_name AS TEXT), '', id FROM people WHERE display_name != '' "
        "AND (id IN (SELECT person_id FROM conversations WHERE person_id IS NOT NULL) "
        f"OR id IN ({person_marks}))",
        people,
    ).fetchall()
    return found
