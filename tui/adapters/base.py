"""What every platform adapter offers: the Protocol and its result types."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tui.domain import Account, Conversation, InboxMessage, QuarantinedRecord

if TYPE_CHECKING:
    from tui.adapters.graph import GraphClient

SENDER_ACTIONS = frozenset({"mark_seen", "typing_on", "typing_off"})


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a linked account against the platform."""

    account_name: str
    """The Page name or the Instagram username the token belongs to."""
    owner_id: str
    """The Page id or Instagram account id the token speaks for."""
    token_valid: bool
    expires_at: datetime | None
    """When the token expires; ``None`` when it never does or the platform did not say."""
    granted: frozenset[str]
    required: frozenset[str]
    missing: dict[str, str] = field(default_factory=dict)
    """Required permission -> the feature its absence disables."""
    token_type: str = ""
    """``PAGE``, ``USER`` or ``INSTAGRAM`` (best knowledge)."""
    error: str | None = None
    """Our own wording of what is wrong, when something is."""


@dataclass(frozen=True)
class ConversationChange:
    """A conversation that changed since the last poll."""

    conversation: Conversation
    updated_at: datetime
    newest_message_id: str | None = None
    """The id of the conversation's newest message, when the listing gave it.

    Graph times have one-second resolution, so a conversation updated in the same
    second as the last poll looks unchanged by time alone; its newest id tells."""


@dataclass(frozen=True)
class SendResult:
    """A message the platform accepted."""

    message_id: str
    """The platform's id for it; ``""`` when the platform accepted it without naming one."""
    recipient_id: str


class PlatformAdapter(Protocol):
    """One linked account on one platform, speaking that platform's API."""

    account: Account
    client: GraphClient
    problems: list[QuarantinedRecord]
    """Records skipped because they were malformed, for the sync engine to quarantine."""

    async def verify(self) -> Verification:
        """Identity, token validity and expiry, granted vs required permissions."""
        ...

    async def changed_conversations(
        self, since: datetime | None, *, max_pages: int = 50
    ) -> list[ConversationChange]:
        """Conversations updated after ``since``, newest first; an idle poll is one request."""
        ...

    async def new_messages(
        self, conversation_id: str, since: datetime | None
    ) -> list[InboxMessage]:
        """Messages newer than ``since`` (one request), newest first."""
        ...

    async def backfill(
        self,
        conversation_id: str,
        *,
        older_than: datetime | None,
        not_before: datetime | None,
        page_cursor: str | None,
    ) -> tuple[list[InboxMessage], str | None]:
        """One page of older history, and the cursor of the next page (``None`` when done)."""
        ...

    async def send_text(
        self, recipient_id: str, text: str, *, human_agent: bool = False
    ) -> SendResult:
        """Send a text reply; ``human_agent`` adds the HUMAN_AGENT tag (7-day window)."""
        ...

    async def sender_action(self, recipient_id: str, action: str) -> None:
        """``mark_seen``, ``typing_on`` or ``typing_off``."""
        ...

    async def find_sent(
        self,
        conversation_id: str,
        text: str,
        after: datetime,
        *,
        exclude: Collection[str] = (),
    ) -> str | None:
        """The id of a message we sent with this text at or after ``after``, if any."""
        ...

    async def refresh_token(self) -> tuple[str, datetime | None] | None:
        """A fresh token and its expiry (Instagram Login only); ``None`` if not applicable."""
        ...

    def take_problems(self) -> list[QuarantinedRecord]:
        """Return and forget the records skipped since the last call."""
        ...
