"""Saving and clearing drafts: the store write plus the one event that redraws inbox rows.

The dashboard calls only these two functions, so moving them behind the service
interface (``Service.save_draft`` / ``clear_draft``) changes one place.
"""

from __future__ import annotations

from tui.services.events import ConversationsChanged
from tui.services.runtime import Runtime

__all__ = ["clear_draft", "save_draft"]


async def save_draft(runtime: Runtime, account_id: str, conversation_id: str, text: str) -> None:
    """Keep ``text`` as the conversation's draft (empty text drops it)."""
    changed = await runtime.store.save_draft(
        account_id, conversation_id, text, runtime.engine.clock()
    )
    if changed:  # the row gains or loses its mark; the text itself is not on the row
        runtime.bus.publish(ConversationsChanged(account_id, (conversation_id,)))


async def clear_draft(runtime: Runtime, account_id: str, conversation_id: str) -> None:
    if await runtime.store.clear_draft(account_id, conversation_id):
        runtime.bus.publish(ConversationsChanged(account_id, (conversation_id,)))
