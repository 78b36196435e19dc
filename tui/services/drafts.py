"""Saving and clearing drafts: the store write plus the one event that redraws inbox rows.

The dashboard calls only these functions, so moving them behind the service interface
(``Service.save_draft`` / ``clear_draft``) changes one place.

An account whose privacy says "store message bodies: off" keeps its drafts in memory
for the session only: no message text reaches the disk, the user's own included.
"""

from __future__ import annotations

from tui.services.events import ConversationsChanged
from tui.services.runtime import Runtime

__all__ = ["clear_draft", "get_draft", "save_draft", "unstored_count"]


async def save_draft(runtime: Runtime, account_id: str, conversation_id: str, text: str) -> None:
    """Keep ``text`` as the conversation's draft (empty text drops it)."""
    key = (account_id, conversation_id)
    if not runtime.privacy(account_id).store_bodies:
        if text.strip():
            runtime.unstored_drafts[key] = text
        else:
            runtime.unstored_drafts.pop(key, None)
        await _forget_stored(runtime, account_id, conversation_id)
        return
    runtime.unstored_drafts.pop(key, None)
    changed = await runtime.store.save_draft(
        account_id, conversation_id, text, runtime.engine.clock()
    )
    if changed:  # the row gains or loses its mark; the text itself is not on the row
        runtime.bus.publish(ConversationsChanged(account_id, (conversation_id,)))


async def get_draft(runtime: Runtime, account_id: str, conversation_id: str) -> str | None:
    kept = runtime.unstored_drafts.get((account_id, conversation_id))
    if kept is not None:
        return kept
    return await runtime.store.get_draft(account_id, conversation_id)


async def clear_draft(runtime: Runtime, account_id: str, conversation_id: str) -> None:
    runtime.unstored_drafts.pop((account_id, conversation_id), None)
    await _forget_stored(runtime, account_id, conversation_id)


def unstored_count(runtime: Runtime) -> int:
    """Drafts that end with this session (their accounts store no message text)."""
    return sum(1 for text in runtime.unstored_drafts.values() if text.strip())


async def _forget_stored(runtime: Runtime, account_id: str, conversation_id: str) -> None:
    if await runtime.store.clear_draft(account_id, conversation_id):
        runtime.bus.publish(ConversationsChanged(account_id, (conversation_id,)))
