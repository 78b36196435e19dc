"""The notifier: judges each live message against the current rules, with flood control."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tui.config.prefs import PrefsFile
from tui.domain.models import Conversation, InboxMessage, MessageKind
from tui.domain.rules import NotificationSettings, PrivacySettings, RuleAction, Sink
from tui.domain.safetext import sanitize
from tui.services.rule_engine import (
    DEFAULT_SINKS,
    Decision,
    Explanation,
    MessageContext,
    RuleCheck,
    decide,
    dnd_active,
    explain,
    fold,
    in_window,
)
from tui.store import InboxView, Store

__all__ = [
    "DEFAULT_SINKS",
    "RECENT_LIMIT",
    "SUMMARY_AFTER",
    "Alert",
    "AlertBatch",
    "Decision",
    "Explanation",
    "MessageContext",
    "Notifier",
    "RuleCheck",
    "alert_text",
    "contexts_for",
    "dnd_active",
    "explain",
    "fold",
    "in_window",
    "recent_from_store",
    "save_dnd",
]

RECENT_LIMIT = 200
SUMMARY_AFTER = 3
"""More alerts than this from one batch become one summary alert."""


@dataclass(frozen=True)
class Alert:
    """One alert to deliver: its text (already privacy-filtered) and how."""

    title: str
    body: str
    sinks: tuple[Sink, ...]
    command: tuple[str, ...] = ()
    message: InboxMessage | None = None
    """``None`` for a summary of several messages."""
    rule_name: str | None = None
    count: int = 1
    env: dict[str, str] = field(default_factory=dict)
    """What a command sink receives as ``LINKDECK_*`` variables."""
    push: tuple[str, ...] = ()
    """Apprise URLs for the ``push`` sink."""


@dataclass
class AlertBatch:
    """What one batch of new messages produced."""

    alerts: list[Alert] = field(default_factory=list)
    highlighted: list[tuple[str, str]] = field(default_factory=list)
    """(account, conversation) pairs a highlight rule marked."""
    decisions: list[tuple[InboxMessage, Decision]] = field(default_factory=list)


def alert_text(message: InboxMessage, privacy: PrivacySettings) -> tuple[str, str]:
    """(title, body) for a message; with ``notification_text`` off the body names no text."""
    who = sanitize(
        message.sender_name or message.sender_id or "someone", max_chars=40, single_line=True
    )
    title = f"{who} · {sanitize(message.account_id, max_chars=30, single_line=True)}"
    if not privacy.notification_text:
        return title, f"New message from {who}"
    if message.kind is MessageKind.REACTION:
        body = f"reacted {message.reaction or ''}".strip()
    elif message.kind is MessageKind.STORY_MENTION:
        body = "mentioned you in a story"
    elif message.text:
        body = message.text
    elif message.attachments:
        body = f"sent {message.attachments[0].kind or 'an attachment'}"
    else:
        body = "New message"
    return title, sanitize(body, max_chars=200, single_line=True)


def _order(message: InboxMessage) -> tuple[datetime, str]:
    return (message.created_at, message.remote_id)


class Notifier:
    """Judges each live message against the current rules, with flood control.

    Settings come through callables, so a rule toggled a moment ago governs the next
    message. Decisions are remembered (for "why did this notify"), and the last
    :data:`RECENT_LIMIT` messages are kept for the Filters tab's preview.
    """

    def __init__(
        self,
        settings: Callable[[], NotificationSettings],
        privacy: Callable[[str], PrivacySettings],
    ) -> None:
        self.settings = settings
        self.privacy = privacy
        self.recent: list[tuple[InboxMessage, MessageContext]] = []
        """The newest :data:`RECENT_LIMIT` messages seen, oldest first by time."""
        self.fired: dict[tuple[str, str], Decision] = {}
        """Decision per (account, message id) for the recent messages."""
        self._last_alert: dict[tuple[str, str], datetime] = {}
        self._kept: set[tuple[str, str]] = set()

    def remember(self, message: InboxMessage, ctx: MessageContext) -> bool:
        """Keep a message for the preview; ``False`` when it is older than all kept ones."""
        key = (message.account_id, message.remote_id)
        if key in self._kept:
            return True
        # Backfill hands over old messages after new ones, so order by time, not arrival.
        bisect.insort(self.recent, (message, ctx), key=lambda pair: _order(pair[0]))
        self._kept.add(key)
        if len(self.recent) > RECENT_LIMIT:
            old, _ = self.recent.pop(0)
            old_key = (old.account_id, old.remote_id)
            self._kept.discard(old_key)
            self.fired.pop(old_key, None)
            return old_key != key
        return True

    def forget_account(self, account_id: str) -> None:
        """Drop an account's kept messages (its data was purged: no screen may show them)."""
        gone = {(m.account_id, m.remote_id) for m, _ in self.recent if m.account_id == account_id}
        self.recent = [pair for pair in self.recent if pair[0].account_id != account_id]
        self._kept -= gone
        for key in gone:
            self.fired.pop(key, None)

    def judge(
        self, messages: Sequence[InboxMessage], contexts: Iterable[MessageContext], now: datetime
    ) -> AlertBatch:
        """Decide every message of one batch and build the alerts to deliver."""
        settings = self.settings()
        batch = AlertBatch()
        due: list[tuple[InboxMessage, Decision]] = []
        for message, ctx in zip(messages, contexts, strict=True):
            decision = decide(message, settings, ctx)
            if self.remember(message, ctx):
                self.fired[(message.account_id, message.remote_id)] = decision
            batch.decisions.append((message, decision))
            if decision.action is RuleAction.HIGHLIGHT:
                batch.highlighted.append((message.account_id, message.conversation_id))
            if decision.alerts and self._admit(message, now, settings.flood_seconds):
                due.append((message, decision))
        if len(due) > SUMMARY_AFTER:
            batch.alerts.append(self._summary(due))
        else:
            batch.alerts += [self._alert(m, d) for m, d in due]
        return batch

    def _admit(self, message: InboxMessage, now: datetime, seconds: int) -> bool:
        key = (message.account_id, message.conversation_id)
        last = self._last_alert.get(key)
        if last is not None and now - last < timedelta(seconds=seconds):
            return False
        self._last_alert[key] = now
        return True

    def _alert(self, message: InboxMessage, decision: Decision) -> Alert:
        privacy = self.privacy(message.account_id)
        title, body = alert_text(message, privacy)
        env = {
            "LINKDECK_ACCOUNT": message.account_id,
            "LINKDECK_CONVERSATION": message.conversation_id,
            "LINKDECK_MESSAGE_ID": message.remote_id,
            "LINKDECK_SENDER": message.sender_name or message.sender_id,
            "LINKDECK_KIND": str(message.kind),
            "LINKDECK_TIME": message.created_at.isoformat(),
            "LINKDECK_RULE": decision.rule_name or "",
            "LINKDECK_TEXT": message.text if privacy.notification_text else "",
        }
        return Alert(
            title,
            body,
            decision.sinks,
            decision.command,
            message,
            decision.rule_name,
            1,
            env,
            decision.push,
        )

    def _summary(self, due: list[tuple[InboxMessage, Decision]]) -> Alert:
        # One alert for the lot, on the union of the sinks the rules asked for.
        sinks: dict[Sink, None] = {}
        push: dict[str, None] = {}
        command: tuple[str, ...] = ()
        for _, decision in due:
            sinks.update(dict.fromkeys(decision.sinks))
            push.update(dict.fromkeys(decision.push))
            command = command or decision.command
        conversations = {(m.account_id, m.conversation_id) for m, _ in due}
        body = f"{len(due)} new messages in {len(conversations)} conversations"
        env = {"LINKDECK_COUNT": str(len(due)), "LINKDECK_TEXT": body}
        return Alert(
            "Linkdeck", body, tuple(sinks), command, None, "summary", len(due), env, tuple(push)
        )


async def contexts_for(
    store: Store, messages: Sequence[InboxMessage], now: datetime, *, catch_up: bool = False
) -> list[MessageContext]:
    """Each message's context from the store (after the batch was committed).

    A customer is "known" when the conversation holds more than this batch's messages
    from them, or they are merged into a person.
    """
    in_batch: dict[tuple[str, str], int] = {}
    for message in messages:
        key = (message.account_id, message.conversation_id)
        in_batch[key] = in_batch.get(key, 0) + 1
    found: dict[tuple[str, str], Conversation | None] = {}
    answered: dict[tuple[str, str], bool] = {}
    for key in in_batch:
        found[key] = await store.get_conversation(*key)
        answered[key] = await store.has_outbound(*key)
    out = []
    for message in messages:
        key = (message.account_id, message.conversation_id)
        conversation = found[key]
        out.append(_context(conversation, now, catch_up, answered[key]))
    return out


def _context(
    conversation: Conversation | None, now: datetime, catch_up: bool, answered: bool
) -> MessageContext:
    if conversation is None:
        return MessageContext(platform="", now=now, catch_up=catch_up)
    customer = conversation.customer
    return MessageContext(
        platform=str(conversation.platform),
        now=now,
        muted=conversation.triage.muted,
        # A contact is someone the user chose (merged into a person, or answered), not
        # anyone who wrote twice: a stranger cannot talk their way past a stranger rule.
        known=customer.person_id is not None or answered,
        person_id=customer.person_id,
        username=customer.username,
        catch_up=catch_up,
    )


async def recent_from_store(
    store: Store,
    now: datetime,
    *,
    limit: int = RECENT_LIMIT,
    conversations: int = 60,
    per_conversation: int = 20,
) -> list[tuple[InboxMessage, MessageContext]]:
    """The newest ``limit`` inbound messages, oldest first, each judged at its own time.

    Read from the most recently active conversations only, so the cost stays the same
    at a million stored messages.
    """
    found: list[tuple[InboxMessage, Conversation, bool]] = []
    for conversation in await store.conversations_page(InboxView("all"), 0, conversations, now):
        page = await store.messages_page(
            conversation.account_id, conversation.remote_id, None, per_conversation
        )
        answered = await store.has_outbound(conversation.account_id, conversation.remote_id)
        found += [
            (m, conversation, answered)
            for m in page
            if not m.from_us and m.kind is not MessageKind.ECHO
        ]
    found.sort(key=lambda triple: (triple[0].created_at, triple[0].remote_id))
    return [(m, _context(c, m.created_at, False, a)) for m, c, a in found[-limit:]]


def save_dnd(prefs_file: PrefsFile, on: bool, until: datetime | None = None) -> None:
    """Save do-not-disturb (and its optional end) to config.toml; reload prefs afterwards."""
    prefs_file.set_notification("dnd", on)
    prefs_file.set_notification("dnd_until", until.isoformat() if on and until else None)
