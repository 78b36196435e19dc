"""Access tokens: a registry with types, scopes, expiry and revocation, and Meta's 190 errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tui.simulator.clock import SimClock
from tui.simulator.protocol import FACEBOOK_HOST, GraphError

if TYPE_CHECKING:
    from tui.simulator.world import World

LONG_LIVED_SECONDS = 5183944
"""What Meta answers as ``expires_in`` for 60-day tokens."""
REFRESH_MIN_AGE = 24 * 3600
PAGE_SCOPES = [
    "pages_show_list",
    "pages_messaging",
    "pages_manage_metadata",
    "pages_read_engagement",
    "business_management",
    "instagram_basic",
    "instagram_manage_messages",
]
IG_LOGIN_SCOPES = ["instagram_business_basic", "instagram_business_manage_messages"]

_REVOKED_MESSAGES = {
    458: "Error validating access token: User {user} has not authorized application {app}.",
    459: "Error validating access token: You cannot access the app till you log in to "
    "www.facebook.com and follow the instructions given.",
    460: "Error validating access token: The session has been invalidated because the user "
    "changed their password or Facebook has changed the session for security reasons.",
    464: "Error validating access token: Sessions for the user {user} are not allowed because "
    "the user is not a confirmed user.",
    467: "Error validating access token: The session is invalid because the user logged out.",
    492: "Error validating access token: The user is not an admin, editor, or moderator of the "
    "page.",
    493: "The access token is invalid since the user hasn't engaged the app in longer than 90 "
    "days.",
}
INVALID_TOKEN_MESSAGE = "Invalid OAuth access token - Cannot parse access token"


@dataclass
class Token:
    """One issued token and what it may do."""

    value: str
    type: str
    """``USER``, ``PAGE``, ``APP`` (Facebook) or ``IG`` (Instagram Login user token)."""
    app_id: str
    user_id: str
    profile_id: str | None = None
    """The Page for Page tokens, the Instagram account for IG tokens."""
    scopes: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    issued_at: int = 0
    expires_at: int = 0
    """Unix seconds; 0 means never."""
    data_access_expires_at: int = 0
    revoked: int | None = None
    """A 190 subcode (458, 460, 467, ...) once the token was invalidated."""
    long_lived: bool = True

    @property
    def host(self) -> str:
        return "graph.instagram.com" if self.type == "IG" else FACEBOOK_HOST


PAGE_TARGETED = frozenset(
    {"pages_show_list", "pages_messaging", "pages_manage_metadata", "pages_read_engagement"}
)
IG_TARGETED = frozenset({"instagram_basic", "instagram_manage_messages"})


def granular_scopes(token: Token, page_ids: list[str], ig_ids: list[str]) -> list[dict[str, Any]]:
    """``debug_token``'s ``granular_scopes``: which objects each permission was granted for.

    A Page token names its Page; a user token names every Page (and Instagram account) the
    person granted: the only list left when ``/me/accounts`` answers nothing (Pages owned
    by a business portfolio).
    """
    rows: list[dict[str, Any]] = []
    for scope in token.scopes:
        targets: list[str] = []
        if token.type == "PAGE" and token.profile_id and scope in PAGE_TARGETED | IG_TARGETED:
            targets = [token.profile_id]
        elif token.type == "USER" and scope in PAGE_TARGETED:
            targets = list(page_ids)
        elif token.type == "USER" and scope in IG_TARGETED:
            targets = list(ig_ids)
        rows.append({"scope": scope, "target_ids": targets} if targets else {"scope": scope})
    return rows


def _pacific(moment: datetime) -> str:
    # Meta words expiry in Pacific time; a fixed -8 h keeps the text stable for tests.
    return (moment - timedelta(hours=8)).strftime("%A, %d-%b-%y %H:%M:%S PST")


def token_error(subcode: int | None, message: str) -> GraphError:
    """A 190 error with the header Meta adds to it."""
    header = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    return GraphError(
        190,
        message,
        subcode=subcode,
        type="OAuthException",
        headers={"WWW-Authenticate": header},
    )


class TokenRegistry:
    """Every token the simulator issued, looked up by value."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._tokens: dict[str, Token] = {}
        self.page_ids: list[str] = []
        """The Pages a user token's Page-scoped permissions are granted for."""
        self.ig_ids: list[str] = []
        """The Instagram accounts (via a Page) its Instagram permissions are granted for."""

    def add(self, token: Token) -> Token:
        self._tokens[token.value] = token
        return token

    def get(self, value: str) -> Token | None:
        return self._tokens.get(value)

    def __iter__(self) -> Any:
        return iter(self._tokens.values())

    def problem(self, token: Token | None) -> GraphError | None:
        """Why ``token`` cannot be used right now, or ``None`` when it can."""
        if token is None:
            return token_error(None, INVALID_TOKEN_MESSAGE)
        if token.revoked is not None:
            template = _REVOKED_MESSAGES.get(token.revoked, INVALID_TOKEN_MESSAGE)
            text = template.format(user=token.user_id, app=token.app_id)
            return token_error(token.revoked, text)
        now = self.clock.now()
        if token.expires_at and now.timestamp() >= token.expires_at:
            expired = datetime.fromtimestamp(token.expires_at, UTC)
            text = (
                f"Error validating access token: Session has expired on {_pacific(expired)}. "
                f"The current time is {_pacific(now)}."
            )
            return token_error(463, text)
        return None

    def check(self, value: str | None, host: str) -> Token:
        """The usable token for ``value`` on ``host``; raises the error Meta would send."""
        if not value:
            raise GraphError(
                2500,
                "An active access token must be used to query information about the current user.",
                type="OAuthException",
            )
        token = self.get(value)
        if token is not None and token.host != host:
            token = None  # a Facebook token means nothing to graph.instagram.com and back
        problem = self.problem(token)
        if problem is not None:
            raise problem
        assert token is not None
        return token

    def debug_info(self, value: str) -> dict[str, Any]:
        """The ``data`` object of ``GET /debug_token`` for ``value``."""
        token = self.get(value)
        if token is None:
            return {
                "error": {"code": 190, "message": INVALID_TOKEN_MESSAGE},
                "is_valid": False,
                "scopes": [],
            }
        info: dict[str, Any] = {
            "app_id": token.app_id,
            "type": "USER" if token.type == "IG" else token.type,
            "application": "Linkdeck Simulator",
            "data_access_expires_at": token.data_access_expires_at,
            "expires_at": token.expires_at,
            "is_valid": True,
            "issued_at": token.issued_at,
        }
        if token.profile_id and token.type == "PAGE":
            info["profile_id"] = token.profile_id
        info["scopes"] = list(token.scopes)
        info["granular_scopes"] = granular_scopes(token, self.page_ids, self.ig_ids)
        info["user_id"] = token.user_id
        problem = self.problem(token)
        if problem is not None:
            info["is_valid"] = False
            error: dict[str, Any] = {"code": 190, "message": problem.message}
            if problem.subcode is not None:
                error["subcode"] = problem.subcode
            info["error"] = error
        return info

    def issue(self, like: Token, value: str, *, lifetime: int, long_lived: bool) -> Token:
        """A new token with ``like``'s identity and scopes, valid for ``lifetime`` seconds."""
        now = int(self.clock.timestamp())
        return self.add(
            Token(
                value=value,
                type=like.type,
                app_id=like.app_id,
                user_id=like.user_id,
                profile_id=like.profile_id,
                scopes=list(like.scopes),
                declined=list(like.declined),
                issued_at=now,
                expires_at=now + lifetime if lifetime else 0,
                data_access_expires_at=now + 90 * 86400,
                long_lived=long_lived,
            )
        )


def seed_tokens(registry: TokenRegistry, world: World, now: int) -> None:
    """Issue the seeded world's tokens and name them in ``world.tokens``."""
    ids = world.ids
    day = 86400
    registry.page_ids = [world.page_id]
    registry.ig_ids = [world.ig_page_id]

    def add(
        name: str,
        kind: str,
        value: str,
        *,
        issued: int,
        expires: int = 0,
        long_lived: bool = True,
    ) -> None:
        instagram = kind == "IG"
        token = Token(
            value=value,
            type=kind,
            app_id=world.ig_app_id if instagram else world.app_id,
            user_id=world.ig_login_app_scoped_id if instagram else world.user_id,
            profile_id=world.ig_login_id
            if instagram
            else (world.page_id if kind == "PAGE" else None),
            scopes=list(IG_LOGIN_SCOPES if instagram else PAGE_SCOPES if kind != "APP" else []),
            issued_at=issued,
            expires_at=expires,
            data_access_expires_at=0 if kind == "APP" else issued + 90 * day,
            long_lived=long_lived,
        )
        registry.add(token)
        world.tokens[name] = value

    add("app", "APP", f"{world.app_id}|{world.app_secret}", issued=now)
    add(
        "user",
        "USER",
        ids.token("EAA"),
        issued=now - 3 * day,
        expires=now - 3 * day + LONG_LIVED_SECONDS,
    )
    add(
        "user_short",
        "USER",
        ids.token("EAA"),
        issued=now - 600,
        expires=now + 3000,
        long_lived=False,
    )
    # A Page token from a long-lived user token never expires.
    add("page", "PAGE", ids.token("EAA"), issued=now - 3 * day)
    add("ig_login", "IG", ids.token("IGAA"), issued=now - 10 * day, expires=now + 50 * day)
    add(
        "ig_short",
        "IG",
        ids.token("IGAA"),
        issued=now - 300,
        expires=now + 3300,
        long_lived=False,
    )
