"""The outbox worker: sends queued replies and sender actions, never twice by accident."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from tui.adapters.base import PlatformAdapter
from tui.adapters.errors import (
    AdapterError,
    OutcomeUnknown,
    RateLimited,
    Transient,
    failure_words,
)
from tui.config.redact import redact
from tui.domain import (
    ActivityEvent,
    InboxMessage,
    MessageKind,
    OutboxItem,
    OutboxState,
    PrivacySettings,
)
from tui.domain.clock import utc_now
from tui.domain.models import UNCONFIRMED
from tui.services.events import ConversationsChanged, EventBus, MessagesArrived, OutboxChanged
from tui.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RECONCILE_SLACK = timedelta(minutes=15)
"""How far before the item's local time a matching reply may carry the platform's time:
covers clock skew between this machine and Meta's servers."""
SENDER_ACTIONS = {"mark_seen", "typing_on", "typing_off", "mark_seen_private"}
REPLY_TAG = "in_reply_to:"
"""Outbox tag of a Matrix reply: the event id it answers follows."""


class Outbox:
    """Queues user actions in the store, then carries them out one at a time.

    A text send follows queued -> sending -> sent | failed. When the platform's answer
    is lost (a timeout after the request went out, a 5xx, a dropped connection, a crash)
    the item becomes ``unknown``, and before any retry the conversation is read back,
    page by page, to the time the send started: if the reply is there, it is marked
    sent; if the read-back proves it is not, it is sent again; if it proves neither, the
    item stays ``unknown`` with :data:`UNCONFIRMED` and waits for the user's retry.
    """

    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, PlatformAdapter],
        bus: EventBus,
        *,
        privacy: Callable[[str], PrivacySettings],
        clock: Callable[[], datetime] = utc_now,
        retry_delay: float = 5.0,
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.bus = bus
        self.privacy = privacy
        self.clock = clock
        self.retry_delay = retry_delay
        self.wake = asyncio.Event()

    # -- what the UI calls ---------------------------------------------------------------

    async def send_text(
        self,
        account_id: str,
        conversation_id: str,
        recipient_id: str,
        text: str,
        *,
        human_agent: bool = False,
        in_reply_to: str | None = None,
    ) -> OutboxItem:
        """Queue a text; ``in_reply_to`` (Matrix) makes it a reply to that event."""
        tag = "HUMAN_AGENT" if human_agent else None
        if in_reply_to:
            tag = REPLY_TAG + in_reply_to
        item = await self.store.enqueue(
            account_id=account_id,
            conversation_id=conversation_id,
            recipient_id=recipient_id,
            action="text",
            text=text,
            tag=tag,
            at=self.clock(),
        )
        self.bus.publish(OutboxChanged(item))
        self.wake.set()
        return item

    async def sender_action(
        self, account_id: str, conversation_id: str, recipient_id: str, action: str
    ) -> OutboxItem | None:
        """Queue ``mark_seen`` or typing, if this account's privacy settings allow it."""
        if action not in SENDER_ACTIONS:
            raise ValueError(f"unknown sender action {action!r}")
        settings = self.privacy(account_id)
        if action == "mark_seen" and not settings.send_read_receipts:
            if not getattr(self.adapters.get(account_id), "private_receipts", False):
                return None
            # Matrix: the read position still syncs to the user's own devices, unseen by others.
            action = "mark_seen_private"
        if action.startswith("typing") and not settings.send_typing:
            return None
        item = await self.store.enqueue(
            account_id=account_id,
            conversation_id=conversation_id,
            recipient_id=recipient_id,
            action=action,
            at=self.clock(),
        )
        self.wake.set()
        return item

    async def retry(self, item_id: int) -> None:
        """The user asked to retry a failed send: queue it again (they know it may repeat)."""
        await self.store.finish_outbox(item_id, OutboxState.QUEUED)
        self.wake.set()

    # -- the worker ----------------------------------------------------------------------

    async def drain(self) -> None:
        """Process every queued and unknown item once."""
        items = await self.store.outbox_items([OutboxState.QUEUED, OutboxState.UNKNOWN])
        for item in items:
            await self.process(item)

    async def process(self, item: OutboxItem) -> OutboxState:
        adapter = self.adapters.get(item.account_id)
        if adapter is None:
            await self._finish(item, OutboxState.FAILED, error="account is not linked any more")
            return OutboxState.FAILED
        if item.state is OutboxState.UNKNOWN and item.action == "text":
            if item.needs_user:
                return OutboxState.UNKNOWN  # waits for the user's retry (which asks first)
            found = await self._reconcile(adapter, item)
            if found is None:
                return OutboxState.UNKNOWN
            if found:
                await self._finish(item, OutboxState.SENT, remote_id=found)
                return OutboxState.SENT
        claimed = await self.store.claim_outbox(item.id)
        if claimed is None:
            return item.state
        if claimed.action in SENDER_ACTIONS:
            return await self._do_action(adapter, claimed)
        return await self._do_send(adapter, claimed)

    async def _reconcile(self, adapter: PlatformAdapter, item: OutboxItem) -> str | None:
        """'' when the reply is surely not there, its id when it is, None when unsure."""
        # Replies this outbox already accounted for can never be this one: a customer
        # answered "ok" twice must not have the second marked sent without sending it.
        known = {
            other.remote_id
            for other in await self.store.outbox_items(account_id=item.account_id)
            if other.id != item.id and other.remote_id
        }
        try:
            found = await adapter.find_sent(
                item.conversation_id,
                item.text,
                item.created_at - RECONCILE_SLACK,
                exclude=known,
            )
        except OutcomeUnknown as exc:
            # The thread was read back as far as it can be and still proves nothing:
            # sending again might repeat it, so the user decides.
            log.info("outbox item %s: delivery unconfirmed (%s)", item.id, exc)
            await self._finish(item, OutboxState.UNKNOWN, error=UNCONFIRMED)
            await self._log_send(item, f"Reply {UNCONFIRMED}; retry only if it did not arrive")
            return None
        except AdapterError as exc:
            log.info("could not reconcile outbox item %s: %s", item.id, type(exc).__name__)
            return None
        return found or ""

    async def _do_action(self, adapter: PlatformAdapter, item: OutboxItem) -> OutboxState:
        settings = self.privacy(item.account_id)
        allowed = (
            settings.send_read_receipts if item.action == "mark_seen" else settings.send_typing
        )
        if item.action == "mark_seen_private":
            allowed = True
        if not allowed:  # the toggle changed while the action waited
            await self._finish(item, OutboxState.FAILED, error="not sent: privacy setting is off")
            return OutboxState.FAILED
        try:
            await adapter.sender_action(item.recipient_id, item.action)
        except AdapterError as exc:
            state = (
                OutboxState.QUEUED if exc.retryable and item.attempts < 3 else OutboxState.FAILED
            )
            await self._finish(item, state, error=_reason(exc))
            return state
        await self._finish(item, OutboxState.SENT)
        return OutboxState.SENT

    async def _do_send(self, adapter: PlatformAdapter, item: OutboxItem) -> OutboxState:
        try:
            if getattr(adapter, "private_receipts", False):
                # Matrix: the idempotency key is the transaction id, so a retry lands once.
                reply = (
                    item.tag[len(REPLY_TAG) :]
                    if item.tag and item.tag.startswith(REPLY_TAG)
                    else None
                )
                result = await adapter.send_text(  # type: ignore[call-arg]
                    item.recipient_id, item.text, txn_id=item.idempotency_key, in_reply_to=reply
                )
            else:
                result = await adapter.send_text(
                    item.recipient_id, item.text, human_agent=item.tag == "HUMAN_AGENT"
                )
        except OutcomeUnknown as exc:
            await self._finish(item, OutboxState.UNKNOWN, error=_reason(exc))
            return OutboxState.UNKNOWN
        except (RateLimited, Transient) as exc:
            # The request never reached the platform (or was refused before acting on it).
            state = OutboxState.QUEUED if item.attempts < MAX_ATTEMPTS else OutboxState.FAILED
            await self._finish(
                item, state, error=_reason(exc, retrying=state is OutboxState.QUEUED)
            )
            if state is OutboxState.FAILED:
                await self._log_send(item, f"Reply failed: {_reason(exc)}", redact(exc.detail()))
            return state
        except AdapterError as exc:
            await self._finish(item, OutboxState.FAILED, error=_reason(exc))
            await self._log_send(item, f"Reply failed: {_reason(exc)}", redact(exc.detail()))
            return OutboxState.FAILED
        await self._finish(item, OutboxState.SENT, remote_id=result.message_id or None)
        if result.message_id:  # without an id, the next poll brings our message itself
            await self._store_echo(adapter, item, result.message_id)
        await self._log_send(item, "Reply sent")
        return OutboxState.SENT

    async def _store_echo(self, adapter: PlatformAdapter, item: OutboxItem, remote_id: str) -> None:
        """Show our reply in the history at once; the next poll upserts the same id."""
        message = InboxMessage(
            account_id=item.account_id,
            remote_id=remote_id,
            conversation_id=item.conversation_id,
            sender_id=adapter.account.owner_id,
            created_at=self.clock(),
            text=item.text,
            kind=MessageKind.ECHO,
            from_us=True,
        )
        result = await self.store.apply_batch(
            item.account_id,
            platform=adapter.account.platform,
            messages=[message],
            store_bodies=self.privacy(item.account_id).store_bodies,
        )
        if result.new_messages:
            # The row's snippet and time changed: the inbox reloads on this, once.
            self.bus.publish(ConversationsChanged(item.account_id, (item.conversation_id,)))
            self.bus.publish(MessagesArrived(item.account_id, tuple(result.new_messages), True))

    async def _finish(
        self,
        item: OutboxItem,
        state: OutboxState,
        *,
        remote_id: str | None = None,
        error: str | None = None,
    ) -> None:
        await self.store.finish_outbox(item.id, state, remote_id=remote_id, error=error)
        if state is OutboxState.SENT and not self.privacy(item.account_id).store_bodies:
            # "Store message bodies" off: a sent reply's text leaves the file and its log.
            await self.store.purge_sent_text(item.account_id)
            await self.store.checkpoint()
        updated = [
            i for i in await self.store.outbox_items(account_id=item.account_id) if i.id == item.id
        ]
        if updated:
            self.bus.publish(OutboxChanged(updated[0]))

    async def _log_send(self, item: OutboxItem, summary: str, detail: str = "") -> None:
        where = f"conversation {item.conversation_id}"
        await self.store.log_activity(
            ActivityEvent(
                at=self.clock(),
                kind="send",
                summary=summary,
                account_id=item.account_id,
                detail=f"{where}\n{detail}" if detail else where,
            )
        )

    async def recover(self) -> int:
        """After a crash, sends left mid-flight become ``unknown``: checked before any retry."""
        return await self.store.recover_outbox()

    async def run(self, stop: asyncio.Event) -> None:
        await self.recover()
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("outbox pass failed")
            self.wake.clear()
            pending = await self.store.outbox_items([OutboxState.QUEUED, OutboxState.UNKNOWN])
            timeout = self.retry_delay if pending else None
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiter


def _reason(exc: AdapterError, *, retrying: bool = False) -> str:
    """Why it failed in the user's words; the platform's own text (a Graph message, a time in
    Pacific time) goes to the Activity log's detail instead, never to the reply's line."""
    return redact(failure_words(exc, retrying=retrying) or type(exc).__name__)
