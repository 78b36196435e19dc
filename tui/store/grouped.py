"""The inbox grouped by person: one row per person, lone conversations as themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.domain.models import Conversation
from tui.store.base import StoreBase
from tui.store.rows import CONVERSATION_COLUMNS, conversation_from_row, opt_from_ms
from tui.store.views import ORDER_BY, InboxView, view_where

# A conversation belongs to group person_id, or to a group of its own (-rowid never
# collides with a person id, which is positive).
_GROUPS = """
WITH v AS (
    SELECT c.*, COALESCE(c.person_id, -c.id) AS g FROM conversations c WHERE {where}
), ranked AS (
    SELECT v.*,
        ROW_NUMBER() OVER (PARTITION BY g ORDER BY {order}) AS rn,
        COUNT(*) OVER (PARTITION BY g) AS g_size,
        SUM(unread_count) OVER (PARTITION BY g) AS g_unread,
        MAX(last_inbound_at) OVER (PARTITION BY g) AS g_inbound,
        MAX(platform = 'messenger') OVER (PARTITION BY g) AS g_fb,
        MAX(platform = 'instagram') OVER (PARTITION BY g) AS g_ig
    FROM v
)
"""


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


def _sql(view: InboxView, now: datetime) -> tuple[str, list[object]]:
    where, params = view_where(view, now)
    order = ORDER_BY.replace("c.", "")
    return _GROUPS.format(where=where, order=order), params


class GroupedMixin(StoreBase):
    """Pages of the grouped inbox; only the rows asked for leave the database."""

    async def count_groups(self, view: InboxView, now: datetime) -> int:
        head, params = _sql(view, now)
        return int(await self._scalar(head + "SELECT COUNT(*) FROM ranked WHERE rn = 1", params))

    async def groups_page(
        self, view: InboxView, offset: int, limit: int, now: datetime
    ) -> list[InboxGroup]:
        head, params = _sql(view, now)
        rows = await self._all(
            head + f"SELECT {CONVERSATION_COLUMNS}, c.g_size, c.g_unread, c.g_inbound, "
            "c.g_fb, c.g_ig, COALESCE(p.display_name, '') AS person_name "
            "FROM ranked c LEFT JOIN people p ON p.id = c.person_id "
            f"WHERE c.rn = 1 ORDER BY {ORDER_BY} LIMIT ? OFFSET ?",
            [*params, max(limit, 0), max(offset, 0)],
        )
        groups = []
        for row in rows:
            latest = conversation_from_row(row)
            platforms = tuple(
                name
                for name, flag in (("messenger", row["g_fb"]), ("instagram", row["g_ig"]))
                if flag
            )
            groups.append(
                InboxGroup(
                    latest=latest,
                    person_id=latest.customer.person_id,
                    person_name=row["person_name"],
                    size=int(row["g_size"]),
                    unread=int(row["g_unread"] or 0),
                    last_inbound_at=opt_from_ms(row["g_inbound"]),
                    platforms=platforms,
                )
            )
        return groups

    async def group_position(
        self,
        view: InboxView,
        now: datetime,
        *,
        person_id: int | None = None,
        conversation: tuple[str, str] | None = None,
    ) -> int | None:
        """Index of a person's row, or of the row that holds ``conversation``, in ``view``."""
        head, params = _sql(view, now)
        extra: list[object]
        if person_id is not None:
            target, extra = "?", [person_id]
        elif conversation is not None:
            target = (
                "(SELECT COALESCE(person_id, -id) FROM conversations "
                "WHERE account_id = ? AND remote_id = ?)"
            )
            extra = list(conversation)
        else:
            return None
        value = await self._scalar(
            head + "SELECT pos FROM (SELECT g, ROW_NUMBER() OVER "
            f"(ORDER BY {ORDER_BY.replace('c.', '')}) - 1 AS pos FROM ranked WHERE rn = 1) "
            f"WHERE g = {target}",
            [*params, *extra],
        )
        return None if value is None else int(value)
