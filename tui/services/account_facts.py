"""What the dashboard needs to know of linked accounts, apart from linking them.

The plan the link wizard hands the service, a token's facts and expiry warning, and
which linked account already reads an inbox. Kept apart from ``tui.services.accounts``
(the account operations, which import the adapters, the HTTP client and the runtime) so
that a dashboard attaching to a service imports none of those before its inbox is up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tui.config import AccountConfig
from tui.domain import Platform, PrivacySettings
from tui.domain.clock import parse_moment

if TYPE_CHECKING:
    from tui.store import Store

EXPIRY_WARNING = timedelta(days=7)
"""Token expiry is shown as a warning from this long before it happens."""
VERIFY_EVERY = timedelta(hours=6)
# Per-account facts kept in the store's cursor table (purged with the account).
GRANTED_KEY = "link:granted"
ISSUED_KEY = "link:token_issued_at"
EXPIRES_KEY = "link:token_expires_at"
NEVER = "never"
"""Stored as the expiry when ``debug_token`` says the token does not expire."""


def webhook_entry(
    platform: Platform, page_id: str | None, ig_user_id: str | None
) -> tuple[str, str] | None:
    """The ``(object, entry id)`` under which Meta's webhooks name this account's events:
    a Messenger account by its Page (``page``), an Instagram account by its professional
    account id (``instagram``); ``None`` for an account webhooks never name."""
    if platform is Platform.MESSENGER and page_id:
        return ("page", page_id)
    if platform is Platform.INSTAGRAM and ig_user_id:
        return ("instagram", ig_user_id)
    return None


@dataclass(frozen=True)
class LinkPlan:
    """Everything the link wizard (or ``linkdeck link``) decided; written only by
    ``AccountManager.link``."""

    account: AccountConfig
    token: str | None = field(default=None, repr=False)
    """Saved to secrets.toml; ``None`` when the account reads it from env or a command."""
    token_expires_at: datetime | None = None
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    granted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TokenFacts:
    """What is known of an account's token without asking the platform."""

    issued_at: datetime | None = None
    expires_at: datetime | None = None
    never_expires: bool = False
    """``debug_token`` said the token never expires (a Page token from a long-lived login)."""


class AlreadyLinked(ValueError):
    """The Page or Instagram account is linked already; linking it again would duplicate
    every message. ``existing`` is the account it is linked as."""

    def __init__(self, existing: AccountConfig) -> None:
        self.existing = existing
        name = f" ({existing.name})" if existing.name and existing.name != existing.id else ""
        super().__init__(
            f"already linked as '{existing.id}'{name}; re-authenticate that account instead"
        )


def find_linked(
    accounts: Iterable[AccountConfig],
    platform: Platform,
    page_id: str | None,
    ig_user_id: str | None,
) -> AccountConfig | None:
    """The account already reading this inbox, if any.

    A Messenger inbox is its Page; an Instagram inbox is its Instagram account, whichever
    of the two APIs reaches it (both return the same professional account id).
    """
    for account in accounts:
        if account.platform is not platform:
            continue
        if platform is Platform.MESSENGER and page_id and account.page_id == page_id:
            return account
        if platform is Platform.INSTAGRAM and ig_user_id and account.ig_user_id == ig_user_id:
            return account
    return None


def expiry_warning(expires_at: datetime | None, now: datetime) -> str | None:
    """``expires in 3 days`` within the warning period, ``expired`` after, else ``None``."""
    if expires_at is None:
        return None
    left = expires_at - now
    if left <= timedelta(0):
        return "token expired"
    if left > EXPIRY_WARNING:
        return None
    if left < timedelta(days=1):
        return f"token expires in {max(1, int(left.total_seconds() // 3600))} h"
    return f"token expires in {left.days} day{'s' if left.days != 1 else ''}"


async def token_facts(store: Store, account_id: str) -> TokenFacts:
    """When the account's token was issued and expires, as kept at link time (a read)."""
    cursors = await store.cursors(account_id)
    expires = cursors.get(EXPIRES_KEY)
    return TokenFacts(
        parse_moment(cursors.get(ISSUED_KEY)), parse_moment(expires), never_expires=expires == NEVER
    )


MESSAGING_PERMISSION = {
    "messenger": "pages_messaging",
    "page": "instagram_manage_messages",
    "instagram_login": "instagram_business_manage_messages",
}
"""The permission whose access level decides whose conversations the API shows."""


def standard_access_hint(config: AccountConfig) -> str:
    """Why an inbox that works may still look empty, and what to apply for.

    Meta's pages: "Apps with Standard Access can only interact with people who have a role
    on the app" (instagram-messaging/get-started.md); yet messaging-api.md says Standard
    Access suffices for accounts you own. Both are possible, so this is a likely cause.
    """
    permission = MESSAGING_PERMISSION[config.api.value if config.api else "messenger"]
    return (
        "the API lists no conversation. If the app has only Standard Access, Meta hides "
        "conversations with people who have no role on the app: apply for Advanced Access "
        f"to {permission} in App Review (usually after business verification), or add "
        "the people you test with as testers of the app"
    )
