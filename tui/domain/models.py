"""The nouns of Linkdeck: accounts, people, conversations, messages and their state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    """A messaging platform an account lives on."""

    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    MATRIX = "matrix"
    """A Matrix account; its rooms bridged to Messenger or Instagram show under those."""


class InstagramApi(StrEnum):
    """Which of Meta's two Instagram messaging APIs an account uses."""

    PAGE = "page"
    """Messenger API for Instagram, through the linked Facebook Page (graph.facebook.com)."""
    INSTAGRAM_LOGIN = "instagram_login"
    """Instagram API with Instagram Login (graph.instagram.com)."""


class MessageKind(StrEnum):
    """What kind of event a stored message is."""

    MESSAGE = "message"
    STORY_REPLY = "story_reply"
    STORY_MENTION = "story_mention"
    REACTION = "reaction"
    ECHO = "echo"
    """A message the account itself sent (from this app or another client)."""


class TriageStatus(StrEnum):
    """Where a conversation stands in the user's triage."""

    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"


class OutboxState(StrEnum):
    """The life of a queued send. ``unknown`` means: it may have gone out; check first."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


class AccountState(StrEnum):
    """Health of a linked account, as shown in the header and the Profiles tab."""

    CONNECTED = "connected"
    SYNCING = "syncing"
    PAUSED = "paused"
    RATE_LIMITED = "rate_limited"
    NEEDS_REAUTH = "needs_reauth"
    ERROR = "error"


@dataclass(frozen=True)
class Account:
    """A linked messaging account, as configured in ``config.toml``."""

    id: str
    """Stable local name, used in the store and in filters."""
    platform: Platform
    page_id: str | None = None
    """The Facebook Page whose inbox this is (Messenger, Instagram via the Page)."""
    ig_user_id: str | None = None
    """The Instagram professional account id (``1784...``)."""
    api: InstagramApi | None = None
    """For Instagram accounts: which API is used."""
    graph_url: str | None = None
    """Base URL override (the simulator, a proxy); ``None`` means Meta's host."""
    api_version: str = "v25.0"
    name: str = ""
    """Display name (the Page name or the Instagram username)."""
    user_id: str | None = None
    """Matrix only: the full user id (``@me:example.org``)."""
    homeserver: str | None = None
    """Matrix only: the homeserver's base URL (``https://matrix.example.org``)."""
    device_id: str | None = None
    """Matrix only: the device the access token belongs to, kept across restarts."""

    @property
    def owner_id(self) -> str:
        """The platform id that stands for the account itself in conversations."""
        if self.platform is Platform.MATRIX:
            return self.user_id or ""
        if self.platform is Platform.INSTAGRAM:
            return self.ig_user_id or self.page_id or ""
        return self.page_id or ""


@dataclass(frozen=True)
class Identity:
    """One person as one platform account sees them (a PSID or an IGSID)."""

    account_id: str
    platform_user_id: str
    name: str = ""
    username: str = ""
    person_id: int | None = None
    """The merged person this identity belongs to, once the user linked them."""

    @property
    def display_name(self) -> str:
        return self.name or (f"@{self.username}" if self.username else self.platform_user_id)


@dataclass(frozen=True)
class Person:
    """One human across platforms: several identities merged by the user."""

    id: int
    display_name: str
    vip: bool = False
    identities: tuple[Identity, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """Metadata of an attachment; its content is never downloaded automatically."""

    kind: str
    """image, video, audio, file, sticker, share, story, ..."""
    url: str | None = None
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    ref: str | None = None
    """The platform's id of what is attached, when it gives one (a story's id)."""


@dataclass(frozen=True)
class InboxMessage:
    """One message in one conversation, as adapters return it and the store keeps it."""

    account_id: str
    remote_id: str
    """The platform's message id (``m_...`` or ``aWdf...``)."""
    conversation_id: str
    """The platform's conversation id (``t_...`` or ``aWdfZAG06...``)."""
    sender_id: str
    created_at: datetime
    """Timezone-aware UTC."""
    text: str = ""
    kind: MessageKind = MessageKind.MESSAGE
    from_us: bool = False
    sender_name: str = ""
    attachments: tuple[Attachment, ...] = ()
    reaction: str | None = None
    """For reactions: the emoji."""
    unsupported: bool = False
    edited: bool = False
    """The sender changed the text after sending it (a ``message_edits`` webhook)."""
    removed: bool = False
    """The sender unsent it: the body is gone from the store, only this mark remains."""
    reply_to: str | None = None
    """The id of the message this one quotes (an inline reply), if any."""
    reply_to_self: bool = False
    """Whether the quoted message is the sender's own (``reply_to.is_self_reply``)."""


@dataclass(frozen=True)
class TriageState:
    """The user's own state for a conversation; never sent to a platform."""

    status: TriageStatus = TriageStatus.OPEN
    snoozed_until: datetime | None = None
    pinned: bool = False
    muted: bool = False
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    """A thread between one account and one customer."""

    account_id: str
    remote_id: str
    platform: Platform
    customer: Identity
    updated_at: datetime
    snippet: str = ""
    unread_count: int = 0
    last_inbound_at: datetime | None = None
    """Time of the customer's last message or reaction: opens the reply window."""
    message_count: int = 0
    triage: TriageState = field(default_factory=TriageState)
    draft: bool = False
    """An unsent reply is kept for this conversation."""
    is_owner: bool | None = None
    """Conversation Routing: whether this app owns the thread (``None``: not reported)."""


@dataclass(frozen=True)
class AccountStatus:
    """Health of one account as the header and the Profiles tab show it."""

    account_id: str
    platform: str
    """``messenger`` or ``instagram`` (any string: shown, never trusted)."""
    state: AccountState
    detail: str = ""
    """The platform's reason or our own summary (untrusted: display through safe text)."""
    until: datetime | None = None
    """Rate limited until, or the next attempt after an error (timezone-aware)."""
    last_success: datetime | None = None


@dataclass(frozen=True)
class SyncCursor:
    """How far the sync engine has read an account; stored with the data it covers."""

    account_id: str
    name: str
    """Which cursor: ``conversations`` or ``backfill:<conversation id>`` and so on."""
    value: str


@dataclass(frozen=True)
class OutboxItem:
    """A send or sender action waiting for, or past, its trip to the platform."""

    id: int
    account_id: str
    conversation_id: str
    recipient_id: str
    action: str
    """``text``, ``mark_seen``, ``typing_on`` or ``typing_off``."""
    state: OutboxState
    created_at: datetime
    text: str = ""
    tag: str | None = None
    """``HUMAN_AGENT`` when the user chose it."""
    idempotency_key: str = ""
    attempts: int = 0
    remote_id: str | None = None
    error: str | None = None

    @property
    def needs_user(self) -> bool:
        """An ``unknown`` send the look-back could not settle: only the user may resend it."""
        return self.state is OutboxState.UNKNOWN and self.error == UNCONFIRMED


UNCONFIRMED = "may have gone out: delivery could not be confirmed"
"""The error of an ``unknown`` send that waits for the user's word before any resend."""


@dataclass(frozen=True)
class ActivityEvent:
    """One line of the audit log."""

    at: datetime
    kind: str
    """link, unlink, permission_change, token_refresh, token_expired, send, sync_error, ..."""
    summary: str
    account_id: str | None = None
    detail: str = ""
    id: int | None = None


@dataclass(frozen=True)
class QuarantinedRecord:
    """A record that could not be stored, kept with the reason."""

    account_id: str
    kind: str
    reason: str
    payload: str
    at: datetime
    remote_id: str | None = None
