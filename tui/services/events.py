"""Events the sync engine and the outbox publish for the UI and the notifier."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from tui.domain import AccountStatus, Conversation, InboxMessage, OutboxItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessagesArrived:
    """New messages were committed to the store."""

    account_id: str
    messages: Sequence[InboxMessage]
    catch_up: bool = False
    """Backfill or catch-up after an outage or a first sync: never alert on these."""


CARRIED_AT_MOST = 8
"""A change to at most this many conversations carries them (their inbox rows) to the
dashboards; a bigger one (a first sync) carries none and each dashboard re-reads."""


@dataclass(frozen=True)
class ConversationsChanged:
    account_id: str
    conversation_ids: Sequence[str]
    conversations: tuple[Conversation, ...] = ()
    """The changed conversations as stored just after the change (filled in by the
    service as it hands the event to a dashboard, see ``carry_conversations``), so the
    inbox patches its rows without reading them back. A changed id with no conversation
    here (gone, or more than :data:`CARRIED_AT_MOST` changed) is read by the dashboard."""


@dataclass(frozen=True)
class AccountStateChanged:
    status: AccountStatus


@dataclass(frozen=True)
class OutboxChanged:
    item: OutboxItem


@dataclass(frozen=True)
class RaisedAlert:
    """One alert the service's rules decided on, as plain data any dashboard can show."""

    title: str
    body: str
    """Already privacy-filtered: without "text in notifications" it names no text."""
    sinks: tuple[str, ...]
    """Sink names (``toast``, ``bell``, ``desktop``...); a dashboard drives the terminal ones."""
    rule_name: str | None = None
    """``None``: no rule matched and the default applied; ``summary`` for a flood."""
    account_id: str = ""
    conversation_id: str = ""
    count: int = 1


@dataclass(frozen=True)
class AlertsRaised:
    """The service judged a live batch: alerts to show, conversations a rule highlighted.

    Pushes and commands already ran in the service; each attached dashboard drives its
    own terminal sinks (toast, bell, OSC 777 / 9) from this event.
    """

    alerts: tuple[RaisedAlert, ...]
    highlighted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PrefsChanged:
    """config.toml was changed through the service and reloaded; ``what`` names the part."""

    what: str
    """``rules``, ``privacy``, ``notifications``, ``ui`` or ``accounts``."""


@dataclass(frozen=True)
class ServiceState:
    """The dashboard's link to its service went down or came back (never from the core)."""

    up: bool
    message: str = ""
    notice: str = ""
    """Something the user just asked for that could not be done (shown once as a toast)."""


Event = (
    MessagesArrived
    | ConversationsChanged
    | AccountStateChanged
    | OutboxChanged
    | AlertsRaised
    | PrefsChanged
    | ServiceState
)
InboxChanged = ConversationsChanged
"""The inbox's rows for these conversation ids changed (sync, triage, a reply)."""


class ConversationReader(Protocol):
    """What ``carry_conversations`` reads from (the store)."""

    async def conversations_by_key(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Conversation]: ...


async def carry_conversations(store: ConversationReader, event: Event) -> Event:
    """``event`` with its changed conversations in it, when it is a small
    ``ConversationsChanged`` (see :data:`CARRIED_AT_MOST`): one read here, in the
    service, instead of one per conversation in every dashboard's inbox. Any other event,
    or a read that fails, goes on as it came (the dashboard then reads)."""
    if (
        not isinstance(event, ConversationsChanged)
        or event.conversations
        or not 0 < len(event.conversation_ids) <= CARRIED_AT_MOST
    ):
        return event
    keys = [(event.account_id, remote_id) for remote_id in event.conversation_ids]
    try:
        found = await store.conversations_by_key(keys)
    except (sqlite3.Error, ValueError) as exc:  # a closing store: the dashboard reads
        log.info("changed conversations not carried: %s", exc)
        return event
    return replace(event, conversations=tuple(found[key] for key in keys if key in found))


@dataclass
class EventBus:
    """Fan-out of events to any number of subscribers, each with its own queue.

    Publishing never blocks the publisher: a subscriber that falls far behind loses
    its oldest events (it can always re-read the store), never the sync engine's time.
    """

    max_queue: int = 10_000
    _queues: list[asyncio.Queue[Event]] = field(default_factory=list)

    def subscribe(self) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self.max_queue)
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        if queue in self._queues:
            self._queues.remove(queue)

    def publish(self, event: Event) -> None:
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
