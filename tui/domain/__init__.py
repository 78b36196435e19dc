"""Pure domain model and logic; imports nothing from the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.lazy import lazy_names

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    "Account": "tui.domain.models",
    "AccountState": "tui.domain.models",
    "AccountStatus": "tui.domain.models",
    "ActivityEvent": "tui.domain.models",
    "Attachment": "tui.domain.models",
    "Conversation": "tui.domain.models",
    "Identity": "tui.domain.models",
    "InboxMessage": "tui.domain.models",
    "InstagramApi": "tui.domain.models",
    "MessageKind": "tui.domain.models",
    "NotificationRule": "tui.domain.rules",
    "NotificationSettings": "tui.domain.rules",
    "OutboxItem": "tui.domain.models",
    "OutboxState": "tui.domain.models",
    "Person": "tui.domain.models",
    "Platform": "tui.domain.models",
    "PrivacySettings": "tui.domain.rules",
    "QuarantinedRecord": "tui.domain.models",
    "ReplyWindow": "tui.domain.window",
    "RuleAction": "tui.domain.rules",
    "Sink": "tui.domain.rules",
    "SyncCursor": "tui.domain.models",
    "TriageState": "tui.domain.models",
    "TriageStatus": "tui.domain.models",
    "WindowState": "tui.domain.window",
    "reply_window": "tui.domain.window",
    "text_limit_ok": "tui.domain.window",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())
