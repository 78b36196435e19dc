"""Applies stored webhook events to the store, with the same upserts the sync engine uses.

A message first seen by webhook and then by a poll is one row (both key it by its
``mid``); a reply Linkdeck sent and its echo are one row for the same reason. Events are
applied oldest first; the kinds whose order matters (edits, reactions, thread owner,
receipts) keep their own high-water marks, so a late or repeated delivery changes nothing.
An event that cannot be applied yet (its conversation cannot be looked up: the API is
down or rate limited) stays in the inbox and is tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from tui.adapters.base import PlatformAdapter
from tui.adapters.errors import AdapterError
from tui.adapters.mapping import MalformedRecord, conversation_from_json
from tui.domain import InboxMessage, MessageKind, PrivacySettings, QuarantinedRecord
from tui.domain.clock import utc_now
from tui.services.account_facts import webhook_entry
from tui.services.events import ConversationsChanged, EventBus, MessagesArrived
from tui.store import Store
from tui.store.rows import to_ms
from tui.store.webhooks import StoredWebhookEvent
from tui.webhooks.mapping import (
    Action,
    Edit,
    Ignored,
    NewMessage,
    Owner,
    Reaction,
    Receipt,
    Unreadable,
    Unsend,
    parse,
)

log = logging.getLogger(__name__)
BATCH = 500
RETRY_DELAY = 30.0
"""Seconds before events that could not be applied are tried again."""


class NotYet(Exception):
    """The event cannot be applied now (no linked account, conversation not found yet)."""


@dataclass
class ProcessReport:
    applied: int = 0
    new_messages: int = 0
    updated: int = 0
    deferred: int = 0
    set_aside: int = 0
    api_calls: int = 0


@dataclass
class _Work:
    new: dict[str, list[InboxMessage]] = field(default_factory=dict)
    changed: dict[str, dict[str, None]] = field(default_factory=dict)
    updated: dict[str, list[InboxMessage]] = field(default_factory=dict)

    def touch(self, account_id: str, conversation_id: str) -> None:
        self.changed.setdefault(account_id, {})[conversation_id] = None


class WebhookProcessor:
    """Drains the webhook inbox whenever the receiver stores something (and on a timer)."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        adapters: Callable[[], Mapping[str, PlatformAdapter]],
        *,
        privacy: Callable[[str], PrivacySettings],
        app_id: str = "",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.bus = bus
        self.adapters = adapters
        self.privacy = privacy
        self.app_id = app_id
        self.clock = clock
        self.wake = asyncio.Event()
        self.last_applied: dict[str, datetime] = {}
        """Per account: when an event for it was last applied (webhook health)."""
        self._conversations: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}

    def notify(self, _count: int = 0) -> None:
        """The receiver stored new events."""
        self.wake.set()

    def _account_for(self, object_type: str, entry_id: str) -> PlatformAdapter | None:
        for adapter in self.adapters().values():
            account = adapter.account
            if webhook_entry(account.platform, account.page_id, account.ig_user_id) == (
                object_type,
                entry_id,
            ):
                return adapter
        return None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                report = await self.drain()
            except Exception:  # a bug must not end real time: log it, try again later
                log.exception("webhook processing failed; retrying")
                report = ProcessReport(deferred=1)
            self.wake.clear()
            delay = RETRY_DELAY if report.deferred else None
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def drain(self) -> ProcessReport:
        """Apply every pending event that can be applied now."""
        report = ProcessReport()
        deferred: set[int] = set()
        while True:
            events = [e for e in await self.store.pending_webhook_events(BATCH)]
            events = [e for e in events if e.id not in deferred]
            if not events:
                return report
            await self._apply(events, report, deferred)

    async def _apply(
        self, events: list[StoredWebhookEvent], report: ProcessReport, deferred: set[int]
    ) -> None:
        done: list[int] = []
        retry: list[tuple[int, str]] = []
        work = _Work()
        later: list[tuple[StoredWebhookEvent, PlatformAdapter, Action, str]] = []
        for event in events:
            try:
                action = parse(event.object, event.entry_id, event.payload, self.app_id)
            except Unreadable as exc:
                await self._set_aside(event, str(exc))
                done.append(event.id)
                report.set_aside += 1
                continue
            if isinstance(action, Ignored):
                done.append(event.id)
                continue
            adapter = self._account_for(event.object, event.entry_id)
            if adapter is None:
                retry.append((event.id, "no linked account for this Page or Instagram account"))
                continue
            try:
                conversation = await self._conversation(adapter, action.route.customer_id, report)
            except (AdapterError, NotYet) as exc:
                retry.append((event.id, f"conversation lookup: {type(exc).__name__}"))
                continue
            if isinstance(action, NewMessage):
                account_id = adapter.account.id
                message = self._message(adapter, action, conversation)
                work.new.setdefault(account_id, []).append(message)
            elif (
                isinstance(action, Reaction)
                and action.emoji is not None
                and not action.route.from_us
                and await self._newer(adapter, action, conversation)
            ):
                work.new.setdefault(adapter.account.id, []).append(
                    self._reaction(adapter, action, conversation)
                )
            later.append((event, adapter, action, conversation))
            done.append(event.id)
        for account_id, messages in work.new.items():
            await self._store_messages(account_id, messages, work, report)
        for _event, adapter, action, conversation in later:
            await self._apply_one(adapter, action, conversation, work, report)
        if retry:
            deferred.update(i for i, _ in retry)
            report.deferred += len(retry)
        # The changes are committed: tell the screens now, then mark the inbox (a crash in
        # between only makes the events apply again, which changes nothing).
        self._publish(work)
        await self.store.finish_webhook_events(done, retry)
        report.applied += len(done)

    # -- pieces -----------------------------------------------------------------------------

    async def _conversation(
        self, adapter: PlatformAdapter, customer_id: str, report: ProcessReport
    ) -> str:
        account_id = adapter.account.id
        key = (account_id, customer_id)
        if key in self._conversations:
            return self._conversations[key]
        found = await self.store.conversation_of_customer(account_id, customer_id)
        if found is None:
            found = await self._look_up(adapter, customer_id)
            report.api_calls += 1
        conversation, name = found
        self._conversations[key] = conversation
        self._names[key] = name
        return conversation

    async def _look_up(self, adapter: PlatformAdapter, customer_id: str) -> tuple[str, str]:
        """One Conversations API call: the thread with this person (``user_id``)."""
        graph = getattr(adapter, "conversations_path", None)
        params_of = getattr(adapter, "conversations_params", None)
        if graph is None or params_of is None:
            raise NotYet("this adapter cannot look conversations up")
        params = dict(params_of())
        params["user_id"] = customer_id
        params["fields"] = "id,updated_time,participants"
        response = await adapter.client.get(graph(), params)
        data = response.data.get("data")
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise NotYet("the platform does not list that conversation yet")
        try:
            conversation = conversation_from_json(
                data[0],
                account_id=adapter.account.id,
                platform=adapter.account.platform,
                owner_ids=getattr(adapter, "owner_ids", {adapter.account.owner_id}),
            )
        except MalformedRecord as exc:
            raise NotYet(str(exc)) from None
        if not self.privacy(adapter.account.id).sync_contacts:
            customer = replace(conversation.customer, name="", username="")
            conversation = replace(conversation, customer=customer)
        await self.store.apply_batch(
            adapter.account.id,
            platform=adapter.account.platform,
            conversations=[conversation],
            store_bodies=self.privacy(adapter.account.id).store_bodies,
        )
        customer = conversation.customer
        return conversation.remote_id, customer.name or customer.username

    def _message(
        self, adapter: PlatformAdapter, action: NewMessage, conversation: str
    ) -> InboxMessage:
        route = action.route
        return InboxMessage(
            account_id=adapter.account.id,
            remote_id=action.mid,
            conversation_id=conversation,
            sender_id=adapter.account.owner_id if route.from_us else route.customer_id,
            # Webhooks carry no names: the customer's, as stored, when contacts sync is on.
            sender_name=""
            if route.from_us or not self.privacy(adapter.account.id).sync_contacts
            else self._names.get((adapter.account.id, route.customer_id), ""),
            created_at=route.at,
            text=action.text,
            kind=action.kind,
            from_us=route.from_us,
            attachments=action.attachments,
            unsupported=action.unsupported,
        )

    @staticmethod
    def _reaction_id(action: Reaction) -> str:
        # The same id the poller derives, so both paths keep one row per person and message.
        return f"{action.mid}:reaction:{action.route.customer_id}"

    def _reaction(
        self, adapter: PlatformAdapter, action: Reaction, conversation: str
    ) -> InboxMessage:
        return InboxMessage(
            account_id=adapter.account.id,
            remote_id=self._reaction_id(action),
            conversation_id=conversation,
            sender_id=action.route.customer_id,
            created_at=action.route.at,
            kind=MessageKind.REACTION,
            reaction=action.emoji,
        )

    async def _newer(self, adapter: PlatformAdapter, action: Action, name: str) -> bool:
        """Whether this ordered event is newer than the last one applied under ``name``."""
        if isinstance(action, Reaction):
            name = "react:" + self._reaction_id(action)
        elif isinstance(action, Owner):
            name = "owner:" + name
        assert not isinstance(action, Ignored)
        at = to_ms(action.route.at)
        if at < await self.store.event_mark(adapter.account.id, name):
            return False
        await self.store.set_event_mark(adapter.account.id, name, at)
        return True

    async def _store_messages(
        self,
        account_id: str,
        messages: list[InboxMessage],
        work: _Work,
        report: ProcessReport,
    ) -> None:
        adapter = self.adapters().get(account_id)
        if adapter is None:
            return
        settings = self.privacy(account_id)
        result = await self.store.apply_batch(
            account_id,
            platform=adapter.account.platform,
            messages=messages,
            store_bodies=settings.store_bodies,
        )
        if result.quarantined:
            log.warning("%d webhook messages set aside for %s", len(result.quarantined), account_id)
        new_ids = {m.remote_id for m in result.new_messages}
        work.new[account_id] = result.new_messages
        report.new_messages += len(result.new_messages)
        for m in messages:
            if m.remote_id not in new_ids:
                continue
            work.touch(account_id, m.conversation_id)
        for conversation in result.changed_conversations:
            work.touch(account_id, conversation)
        self.last_applied[account_id] = self.clock()

    async def _apply_one(
        self,
        adapter: PlatformAdapter,
        action: Action,
        conversation: str,
        work: _Work,
        report: ProcessReport,
    ) -> None:
        account_id = adapter.account.id
        store = self.store
        changed = False
        if isinstance(action, NewMessage):
            # On standby another app is the primary receiver; keep its id when known.
            if action.standby and not await store.thread_owner(account_id, conversation):
                changed = await store.set_thread_owner(account_id, conversation, "another app")
        elif isinstance(action, Unsend):
            changed = await store.mark_removed(
                account_id,
                action.mid,
                conversation_id=conversation,
                sender_id=action.route.customer_id,
                created_at=action.route.at,
                from_us=action.route.from_us,
            )
            if changed:
                await self._updated(work, adapter, action.mid)
        elif isinstance(action, Edit):
            text = action.text if self.privacy(account_id).store_bodies else ""
            changed = await store.mark_edited(account_id, action.mid, text, count=action.count)
            if changed:
                await self._updated(work, adapter, action.mid)
        elif isinstance(action, Reaction) and action.emoji is None:
            if await self._newer(adapter, action, conversation):
                gone = await store.remove_reaction(account_id, self._reaction_id(action))
                changed = gone is not None
                if changed:
                    work.updated.setdefault(account_id, []).append(
                        replace(self._reaction(adapter, action, conversation), removed=True)
                    )
        elif isinstance(action, Receipt):
            changed = await self._receipt(account_id, action, conversation)
        elif isinstance(action, Owner) and await self._newer(adapter, action, conversation):
            changed = await store.set_thread_owner(account_id, conversation, action.owner_app)
        if changed:
            report.updated += 1
            work.touch(account_id, conversation)
            self.last_applied[account_id] = self.clock()

    async def _updated(self, work: _Work, adapter: PlatformAdapter, mid: str) -> None:
        """A stored message changed: the screen redraws it from the stored copy."""
        message = await self.store.stored_message(adapter.account.id, mid)
        if message is not None:
            work.updated.setdefault(adapter.account.id, []).append(message)

    async def _receipt(self, account_id: str, action: Receipt, conversation: str) -> bool:
        seen, delivered = action.seen, action.delivered
        mids = ((action.seen_mid,) if action.seen_mid else ()) + action.delivered_mids
        for mid in mids:
            at = await self.store.message_time(account_id, mid)
            if at is None:
                continue
            if mid == action.seen_mid:
                seen = at if seen is None else max(seen, at)
            else:
                delivered = at if delivered is None else max(delivered, at)
        if seen is None and delivered is None:
            return False
        return await self.store.set_receipts(
            account_id, conversation, seen_at=seen, delivered_at=delivered
        )

    async def _set_aside(self, event: StoredWebhookEvent, reason: str) -> None:
        await self.store.add_quarantined(
            [
                QuarantinedRecord(
                    account_id=event.entry_id,
                    kind="webhook",
                    reason=reason,
                    payload=event.payload,
                    at=self.clock(),
                )
            ]
        )

    def _publish(self, work: _Work) -> None:
        for account_id, messages in work.new.items():
            if messages:
                self.bus.publish(MessagesArrived(account_id, tuple(messages), False))
        for account_id, messages in work.updated.items():
            # Changed, not new: catch_up keeps them from alerting anyone a second time.
            self.bus.publish(MessagesArrived(account_id, tuple(messages), True))
        for account_id, conversations in work.changed.items():
            self.bus.publish(ConversationsChanged(account_id, list(conversations)))


async def stop_task(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
