"""Notification rules and privacy settings: plain data the notifier and sync obey."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RuleAction(StrEnum):
    NOTIFY = "notify"
    HIGHLIGHT = "highlight"
    SILENT = "silent"


class Sink(StrEnum):
    TOAST = "toast"
    BELL = "bell"
    DESKTOP = "desktop"
    COMMAND = "command"
    PUSH = "push"
    """Through apprise to the rule's ``push`` URLs, else ``[notifications] push``."""


TERMINAL_SINKS = frozenset({Sink.TOAST, Sink.BELL, Sink.DESKTOP})
"""Sinks each attached dashboard drives on its own terminal; the service drives the rest."""
DEFAULT_FAILING_MINUTES = 30
FAILING_MINUTES_RANGE = (1, 7 * 24 * 60)


@dataclass(frozen=True)
class NotificationRule:
    """One ordered filter rule; the first enabled rule that matches decides."""

    name: str
    enabled: bool = True
    platforms: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()
    """``contact``, ``stranger``, ``vip`` or ``person:<id>``; empty matches anyone."""
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    """Regular expressions, matched case- and accent-insensitively."""
    quiet_hours: str | None = None
    """``"22:00-07:00"``: the rule matches only inside this window (may cross midnight)."""
    action: RuleAction = RuleAction.NOTIFY
    sinks: tuple[Sink, ...] = (Sink.TOAST,)
    command: tuple[str, ...] = ()
    """argv for the ``command`` sink; run without a shell."""
    push: tuple[str, ...] = ()
    """Apprise URLs for the ``push`` sink; empty means ``[notifications] push``."""


@dataclass(frozen=True)
class PrivacySettings:
    """Per-account privacy toggles; every one changes behaviour at once."""

    send_read_receipts: bool = True
    send_typing: bool = True
    sync_contacts: bool = True
    backfill_days: int | None = 30
    """How far back to fetch history: ``0`` none, ``None`` all."""
    store_bodies: bool = True
    notification_text: bool = True
    person_merging: bool = True
    history_days: int | None = None
    """Purge local messages older than this; ``None`` keeps everything."""


@dataclass(frozen=True)
class NotificationSettings:
    """Global notification state: the rules plus do-not-disturb and flood control."""

    rules: tuple[NotificationRule, ...] = ()
    dnd: bool = False
    dnd_until: str | None = None
    flood_seconds: int = 60
    timezone: str | None = None
    vip: tuple[str, ...] = field(default_factory=tuple)
    push: tuple[str, ...] = ()
    """Default apprise URLs: the ``push`` sink of a rule without its own, and the
    default decision (no rule matched), and account trouble (dead token, long failure)."""
    account_failing_minutes: int = DEFAULT_FAILING_MINUTES
    """An account failing this long is announced once (log and push)."""
