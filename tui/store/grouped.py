"""The inbox grouped by person: one row per person, lone conversations as themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.domain.models import Conversation
from tui.store.base import StoreBase
from tui.store.rows import CONVERSATION_COLUMNS, conversation_from_values, opt_from_ms
from tui.store.views import ORDER_BY, InboxView, view_where

# A person's row stands at the place of their first conversation in inbox order. Testing
# "is this the first?" only for linked conversations (a few) keeps the walk down the
# inbox-order index as cheap as the flat list's, instead of grouping every row.
_FIRST_OF_PERSON = (
    "(c.person_id IS NULL OR c.id = (SELECT x.id FROM conversations x "
    "WHERE x.person_id = c.person_id AND {inner} ORDER BY {inner_order} LIMIT 1))"
)
_AHEAD = (
    "(c.pinned > ? OR (c.pinned = ? AND (c.updated_at > ? OR (c.updated_at = ? AND "
    "(c.remote_id < ? OR (c.remote_id = ? AND c.account_id < ?))))))"
)


@dataclass(frozen=True)
class InboxGroup:
    """One row of the grouped inbox."""

    latest: Conversation
    """The group's first conversation in inbox order (pinned, then newest)."""
    person_id: int | None = None
    """``None`` for a conversation not linked to anyone."""
    person_name: str = ""
    size: int = 1
    unread: int = 0
    last_inbound_at: datetime | None = None
    platforms: tuple[str, ...] = ()


def _as_x(sql: str) -> str:
    # view_where and ORDER_BY name columns only as ``c.<column>``.
    return sql.replace("c.", "x.")


def _groups_where(view: InboxView, now: datetime) -> tuple[str, list[object]]:
    """WHERE (over alias ``c``) keeping one row per group, and its parameters."""
    where, params = view_where(view, now)
    first = _FIRST_OF_PERSON.format(inner=_as_x(where), inner_order=_as_x(ORDER_BY))
    return f"{where} AND {first}", [*params, *params]


class GroupedMixin(StoreBase):
    """Pages of the grouped inbox; only the rows asked for leave the database."""

    async def count_groups(self, view: InboxView, now: datetime) -> int:
        where, params = _groups_where(view, now)
        return int(
            await self._scalar(f"SELECT COUNT(*) FROM conversations c WHERE {where}", params)
        )

    async def groups_page(
        self, view: InboxView, offset: int, limit: int, now: datetime
    ) -> list[InboxGroup]:
        where, params = _groups_where(view, now)
        rows = await self._all(
            f"SELECT {CONVERSATION_COLUMNS}, COALESCE(p.display_name, '') AS person_name "
            f"FROM conversations c LEFT JOIN people p ON p.id = c.person_id WHERE {where} "
            f"ORDER BY {ORDER_BY} LIMIT ? OFFSET ?",
            [*params, max(limit, 0), max(offset, 0)],
        )
        people = [r["person_id"] for r in rows if r["person_id"] is not None]
        totals = await self._person_totals(view, now, people)
        groups = []
        for row in rows:
            latest = conversation_from_values(row)
            person = latest.customer.person_id
            if person is None or person not in totals:
                groups.append(
                    InboxGroup(
                        latest=latest,
                        last_inbound_at=latest.last_inbound_at,
                        unread=latest.unread_count,
                        platforms=(str(latest.platform),),
                    )
                )
                continue
            size, unread, inbound, platforms = totals[person]
            groups.append(
                InboxGroup(
                    latest=latest,
                    person_id=person,
                    person_name=row["person_name"],
                    size=size,
                    unread=unread,
                    last_inbound_at=inbound,
                    platforms=platforms,
                )
            )
        return groups

    async def _person_totals(
        self, view: InboxView, now: datetime, people: list[int]
    ) -> dict[int, tuple[int, int, datetime | None, tuple[str, ...]]]:
        """Per person, over their conversations in ``view``: count, unread, last inbound,
        platforms."""
        if not people:
            return {}
        where, params = view_where(view, now)
        marks = ",".join("?" * len(people))
        rows = await self._all(
            "SELECT c.person_id, COUNT(*), SUM(c.unread_count), MAX(c.last_inbound_at), "
            "MAX(c.platform = 'messenger'), MAX(c.platform = 'instagram') "
            f"FROM conversations c WHERE {where} AND c.person_id IN ({marks}) "
            "GROUP BY c.person_id",
            [*params, *people],
        )
        result = {}
        for r in rows:
            platforms = tuple(
                name for name, flag in (("messenger", r[4]), ("instagram", r[5])) if flag
            )
            result[int(r[0])] = (int(r[1]), int(r[2] or 0), opt_from_ms(r[3]), platforms)
        return result

    async def group_position(
        self,
        view: InboxView,
        now: datetime,
        *,
        person_id: int | None = None,
        conversation: tuple[str, str] | None = None,
    ) -> int | None:
        """Index of a person's row, or of the row that holds ``conversation``, in ``view``."""
        where, params = view_where(view, now)
        if conversation is not None:
            found = await self._one(
                f"SELECT c.person_id, c.pinned, c.updated_at FROM conversations c "
                f"WHERE {where} AND c.account_id = ? AND c.remote_id = ?",
                [*params, *conversation],
            )
            if found is None:
                return None
            if found[0] is None:
                anchor = (found[1], found[2], conversation[1], conversation[0])
                return await self._groups_ahead(view, now, anchor)
            person_id = int(found[0])
        if person_id is None:
            return None
        first = await self._one(
            f"SELECT x.pinned, x.updated_at, x.remote_id, x.account_id FROM conversations x "
            f"WHERE x.person_id = ? AND {_as_x(where)} ORDER BY {_as_x(ORDER_BY)} LIMIT 1",
            [person_id, *params],
        )
        if first is None:
            return None
        return await self._groups_ahead(view, now, (first[0], first[1], first[2], first[3]))

    async def _groups_ahead(
        self, view: InboxView, now: datetime, anchor: tuple[int, int, str, str]
    ) -> int:
        """How many group rows come before the row at ``(pinned, updated, remote, account)``."""
        where, params = _groups_where(view, now)
        pinned, updated, remote, account = anchor
        count = await self._scalar(
            f"SELECT COUNT(*) FROM conversations c WHERE {where} AND {_AHEAD}",
            [*params, pinned, pinned, updated, updated, remote, remote, account],
        )
        return int(count)
