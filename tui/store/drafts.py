"""Drafts: the half-written reply of each conversation, kept until it is sent or emptied."""

from __future__ import annotations

from datetime import datetime

from tui.store.base import StoreBase
from tui.store.rows import to_ms

__all__ = ["DraftsMixin"]


class DraftsMixin(StoreBase):
    async def save_draft(
        self, account_id: str, conversation_id: str, text: str, at: datetime
    ) -> bool:
        """Keep ``text`` as the conversation's draft (empty text removes it).

        Returns whether the conversation gained or lost its draft (the inbox mark changes).
        A conversation no longer stored keeps no draft.
        """
        if not text.strip():
            return await self.clear_draft(account_id, conversation_id)
        async with self._transaction() as db:
            async with db.execute(
                "SELECT 1 FROM drafts WHERE account_id = ? AND conversation_id = ?",
                (account_id, conversation_id),
            ) as cur:
                existed = await cur.fetchone() is not None
            async with db.execute(
                "INSERT INTO drafts (account_id, conversation_id, text, updated_at) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM conversations "
                "WHERE account_id = ? AND remote_id = ?) "
                "ON CONFLICT (account_id, conversation_id) "
                "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                (account_id, conversation_id, text, to_ms(at), account_id, conversation_id),
            ) as cur:
                written = cur.rowcount > 0
        return written and not existed

    async def get_draft(self, account_id: str, conversation_id: str) -> str | None:
        value = await self._scalar(
            "SELECT text FROM drafts WHERE account_id = ? AND conversation_id = ?",
            (account_id, conversation_id),
        )
        return None if value is None else str(value)

    async def clear_draft(self, account_id: str, conversation_id: str) -> bool:
        """Forget the draft; returns whether there was one."""
        removed = await self._write(
            "DELETE FROM drafts WHERE account_id = ? AND conversation_id = ?",
            (account_id, conversation_id),
        )
        return removed > 0

    async def draft_count(self) -> int:
        return int(await self._scalar("SELECT COUNT(*) FROM drafts") or 0)
