"""The one service interface: every change a dashboard makes, and the one event stream.

The same :class:`Service` runs inside the dashboard's own process (``LocalService`` in
``tui/services/local.py``) or behind the Unix socket of ``linkdeck serve`` (the client in
``tui/services/client.py``). Screens call it for every change and learn of every change
from :meth:`Service.events`; they draw by reading the store (read-only) and ``prefs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tui.adapters.base import Verification
from tui.config import Prefs
from tui.domain import AccountStatus, OutboxItem, PrivacySettings
from tui.domain.rules import NotificationRule
from tui.services.account_facts import LinkPlan
from tui.services.events import Event
from tui.services.notifier import Notifier
from tui.store import Store

if TYPE_CHECKING:
    import httpx  # the type of ``transport`` only: a dashboard never imports it

__all__ = [
    "AlreadyRunning",
    "ConversationKey",
    "PrefsChange",
    "Service",
    "ServiceInfo",
    "SetAccountField",
    "SetDnd",
    "SetPrivacy",
    "SetRuleEnabled",
    "SetRules",
    "SetUi",
    "Triage",
]

ConversationKey = tuple[str, str]
"""(account id, the conversation's remote id)."""


class AlreadyRunning(Exception):
    """Another Linkdeck process holds this data directory (raised when opening a runtime;
    here so that a dashboard can name it without importing the runtime)."""


class Triage(StrEnum):
    """What a triage key does to one conversation."""

    DONE = "done"
    REOPEN = "reopen"
    READ = "read"
    UNREAD = "unread"
    PIN = "pin"
    UNPIN = "unpin"
    MUTE = "mute"
    UNMUTE = "unmute"
    SNOOZE = "snooze"
    """Needs ``until``."""


@dataclass(frozen=True)
class SetRules:
    """Replace the ordered notification rules."""

    rules: tuple[NotificationRule, ...]


@dataclass(frozen=True)
class SetRuleEnabled:
    """Turn one rule (by position) on or off, touching only its ``enabled`` key."""

    index: int
    enabled: bool


@dataclass(frozen=True)
class SetPrivacy:
    """One privacy toggle of one account; ``None`` days mean all / forever."""

    account_id: str
    key: str
    value: bool | int | None


@dataclass(frozen=True)
class SetDnd:
    """Do not disturb on or off, with an optional end."""

    on: bool
    until: datetime | None = None


@dataclass(frozen=True)
class SetUi:
    """A ``[ui]`` key (theme, poll_seconds)."""

    key: str
    value: str | float


@dataclass(frozen=True)
class SetAccountField:
    """One key of one ``[[accounts]]`` entry (``None`` removes it)."""

    account_id: str
    key: str
    value: str | bool | None


PrefsChange = SetRules | SetRuleEnabled | SetPrivacy | SetDnd | SetUi | SetAccountField
"""One change to config.toml; :meth:`Service.update_prefs` writes, reloads and announces it."""


@dataclass(frozen=True)
class ServiceInfo:
    """Who serves this dashboard: shown in the header."""

    pid: int
    started_at: datetime
    version: str
    attached: bool = False
    """True when the service is another process (``linkdeck serve``) reached over its socket."""
    socket: str = ""


class Service(Protocol):
    """Everything a dashboard asks of Linkdeck; in-process or over the socket."""

    # --- what drawing reads (local, never a round trip) -------------------------------

    store: Store
    """Read it to draw (WAL lets a dashboard read while the service writes); never write."""
    info: ServiceInfo
    transport: httpx.AsyncBaseTransport | None
    """The HTTP transport the accounts use (the in-process simulator in the demo)."""
    notifier: Notifier
    """The rules as this dashboard judges them (alerts on this terminal, the Filters preview)."""

    @property
    def prefs(self) -> Prefs: ...

    @property
    def problems(self) -> list[str]: ...

    @property
    def config_path(self) -> Path: ...

    def clock(self) -> datetime: ...

    def statuses(self) -> Sequence[AccountStatus]: ...

    def status(self, account_id: str) -> AccountStatus | None:
        """``None`` when the account does not run (no usable token)."""

    def privacy(self, account_id: str) -> PrivacySettings: ...

    def connected(self, account_id: str) -> bool:
        """Whether the account has a usable token (it syncs and can send)."""

    def paused(self, account_id: str) -> bool: ...

    def budget_line(self, account_id: str) -> str | None:
        """How fresh polling keeps the account and its calls left today (Meta accounts)."""

    # --- changes ----------------------------------------------------------------------

    async def triage(
        self, key: ConversationKey, action: Triage, *, until: datetime | None = None
    ) -> None: ...

    async def set_labels(self, key: ConversationKey, labels: Sequence[str]) -> None: ...

    async def open_conversation(self, key: ConversationKey, recipient_id: str) -> None:
        """Mark it read and, if the account's privacy allows, tell the customer (mark_seen)."""

    async def wake_snoozed(self) -> None:
        """Reopen conversations whose snooze ended."""

    async def link_people(self, a: ConversationKey, b: ConversationKey) -> None:
        """Raises ``MergeRefused`` (privacy says no) or ``KeyError`` (gone)."""

    async def send_reply(
        self,
        key: ConversationKey,
        recipient_id: str,
        text: str,
        *,
        human_agent: bool = False,
        in_reply_to: str | None = None,
    ) -> OutboxItem:
        """Queue a reply; ``in_reply_to`` (a Matrix event id) makes it answer that message."""

    async def retry(self, outbox_id: int) -> None: ...

    async def save_draft(self, key: ConversationKey, text: str) -> None:
        """Keep a half-written reply (empty text drops it)."""

    async def clear_draft(self, key: ConversationKey) -> None: ...

    async def get_draft(self, key: ConversationKey) -> str | None:
        """The kept draft (accounts that store no text keep it in the service's memory)."""

    async def unstored_draft_count(self) -> int:
        """Drafts that end with the service (their accounts store no message text)."""

    async def typing(self, key: ConversationKey, recipient_id: str) -> None: ...

    async def update_prefs(self, change: PrefsChange) -> None:
        """Write config.toml (comments kept), reload, and announce ``PrefsChanged``.

        Raises:
            ConfigSyntaxError, OSError, ValueError, KeyError: nothing was saved.
        """

    async def purge_bodies(self, account_id: str) -> int: ...

    async def purge_history(self) -> int: ...

    async def set_paused(self, account_id: str, paused: bool) -> None: ...

    async def verify(self, account_id: str) -> Verification | None:
        """Refresh the token when due, then check it against the platform."""

    async def link_account(self, plan: LinkPlan) -> None:
        """Save and start a new account (a ``LinkPlan``)."""

    async def unlink_account(self, account_id: str, *, purge: bool) -> int: ...

    async def reauthenticate(
        self, account_id: str, token: str, expires_at: datetime | None = None
    ) -> Verification: ...

    # --- the one event stream ---------------------------------------------------------

    def events(self) -> AsyncIterator[Event]:
        """Every change, for as long as the caller iterates (each caller its own queue)."""
        ...
