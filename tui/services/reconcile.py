"""Re-reads the recent window to catch unsends and edits that no webhook reported.

Without webhooks (or when one was lost) the only sign of an unsent message is its absence
from the Conversations API, and of an edit its changed text. A few times a day, budget
allowing, the newest page of each conversation active in the last 24 hours is read again
and compared with what is stored for the same span of time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tui.adapters.base import PlatformAdapter
from tui.domain import InboxMessage, MessageKind
from tui.store import Store

SETTLE = timedelta(minutes=10)
"""Messages younger than this are left alone: the API may not list them yet."""
WINDOW = timedelta(hours=24)


async def reconcile_recent(
    adapter: PlatformAdapter,
    store: Store,
    now: datetime,
    *,
    store_bodies: bool = True,
    limit: int = 25,
) -> list[InboxMessage]:
    """Apply what changed in the recent window; returns the stored messages that changed."""
    account_id = adapter.account.id
    changed: list[InboxMessage] = []
    for conversation_id in await store.recent_conversations(account_id, now - WINDOW, limit):
        listed = [
            m
            for m in await adapter.new_messages(conversation_id, None)
            if m.kind is not MessageKind.REACTION
        ]
        if not listed:
            continue
        start = min(m.created_at for m in listed)
        by_id = {m.remote_id: m for m in listed}
        stored = await store.messages_between(account_id, conversation_id, start, now - SETTLE)
        for message in stored:
            if message.kind is MessageKind.REACTION or message.removed:
                continue
            fresh = by_id.get(message.remote_id)
            if fresh is None:
                if await store.mark_removed(
                    account_id,
                    message.remote_id,
                    conversation_id=conversation_id,
                    sender_id=message.sender_id,
                    created_at=message.created_at,
                    from_us=message.from_us,
                ):
                    changed.append(message)
            elif store_bodies and fresh.text and fresh.text != message.text:
                count = 1 if not message.edited else 1 + int(message.edited)
                if await store.mark_edited(account_id, message.remote_id, fresh.text, count=count):
                    changed.append(message)
    result: list[InboxMessage] = []
    for message in changed:
        again = await store.stored_message(account_id, message.remote_id)
        if again is not None:
            result.append(again)
    return result
