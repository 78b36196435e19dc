"""Pure domain model and logic; imports nothing from the UI."""

from __future__ import annotations

from tui.domain.models import (
    Account,
    AccountState,
    AccountStatus,
    ActivityEvent,
    Attachment,
    Conversation,
    Identity,
    InboxMessage,
    InstagramApi,
    MessageKind,
    OutboxItem,
    OutboxState,
    Person,
    Platform,
    QuarantinedRecord,
    SyncCursor,
    TriageState,
    TriageStatus,
)
from tui.domain.rules import (
    NotificationRule,
    NotificationSettings,
    PrivacySettings,
    RuleAction,
    Sink,
)
from tui.domain.window import ReplyWindow, WindowState, reply_window, text_limit_ok

__all__ = [
    "Account",
    "AccountState",
    "AccountStatus",
    "ActivityEvent",
    "Attachment",
    "Conversation",
    "Identity",
    "InboxMessage",
    "InstagramApi",
    "MessageKind",
    "NotificationRule",
    "NotificationSettings",
    "OutboxItem",
    "OutboxState",
    "Person",
    "Platform",
    "PrivacySettings",
    "QuarantinedRecord",
    "ReplyWindow",
    "RuleAction",
    "Sink",
    "SyncCursor",
    "TriageState",
    "TriageStatus",
    "WindowState",
    "reply_window",
    "text_limit_ok",
]
