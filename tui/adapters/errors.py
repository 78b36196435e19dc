"""Typed adapter errors, and the mapping from Graph API error codes to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from tui.adapters.usage import UsageScope, parse_usage


class AdapterError(Exception):
    """Something a platform call could not do.

    ``str(error)`` is our own wording and safe to show or log; ``platform_message`` is the
    platform's (possibly localized, possibly hostile) text, for display through safe text only.
    """

    default_summary = "platform error"
    default_retryable = False
    default_fix = ""

    def __init__(
        self,
        summary: str | None = None,
        *,
        code: int | None = None,
        subcode: int | None = None,
        platform_message: str = "",
        retryable: bool | None = None,
        http_status: int | None = None,
        user_title: str = "",
        user_message: str = "",
        trace_id: str = "",
        fix: str | None = None,
    ) -> None:
        super().__init__(summary or self.default_summary)
        self.code = code
        self.subcode = subcode
        self.platform_message = platform_message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.http_status = http_status
        self.user_title = user_title
        """``error_user_title``: the platform's short title for people (localized, untrusted)."""
        self.user_message = user_message
        """``error_user_msg``: "the message to display to the user" (localized, untrusted)."""
        self.trace_id = trace_id
        """``fbtrace_id``: what Meta's support asks for when a call misbehaves."""
        self.fix = self.default_fix if fix is None else fix
        """What the user can do about it, in our own words (empty when nothing is needed)."""

    def platform_fields(self) -> dict[str, Any]:
        """Everything the platform said, to carry over into another error of ours."""
        return {
            "code": self.code,
            "subcode": self.subcode,
            "platform_message": self.platform_message,
            "http_status": self.http_status,
            "user_title": self.user_title,
            "user_message": self.user_message,
            "trace_id": self.trace_id,
        }

    @property
    def headline(self) -> str:
        """The line to show: the platform's title for people when it gave one, else ours."""
        return self.user_title or str(self)

    def detail(self, zone: tzinfo | None = None) -> str:
        """The platform's own words and the trace id, for the detail view and the Activity log.

        Untrusted text: show it through the safe-text helpers only. A time the platform wrote
        in its own zone (a token's expiry) is rewritten in ``zone`` (``None``: this machine's).
        """
        parts = [
            self.user_title,
            self.user_message,
            localize_times(self.platform_message, zone),
            self.fix,
        ]
        lines = [part for part in parts if part]
        codes = ", ".join(
            f"{name} {value}"
            for name, value in (("code", self.code), ("subcode", self.subcode))
            if value is not None
        )
        if codes:
            lines.append(codes)
        if self.trace_id:
            lines.append(f"Meta trace id: {self.trace_id}")
        return "\n".join(dict.fromkeys(lines))


class TokenInvalid(AdapterError):
    """The token is expired, revoked or otherwise unusable: the user must re-authenticate."""

    def __init__(self, reason: str, subcode: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("subcode", subcode)
        kwargs.setdefault("fix", _TOKEN_FIXES.get(kwargs["subcode"], _TOKEN_FIX))
        super().__init__(f"token invalid: {reason}", **kwargs)
        self.reason = reason


class PermissionMissing(AdapterError):
    """The token lacks a permission (named when known)."""

    default_fix = "Link the account again and grant every permission Linkdeck asks for."

    def __init__(
        self, permission: str | None = None, *, access_level: str | None = None, **kwargs: Any
    ) -> None:
        what = f"permission missing: {permission}" if permission else "permission missing"
        if access_level:
            what += f" (needs {access_level} access)"
            kwargs.setdefault(
                "fix",
                f"The app has Standard Access: it reaches only people with a role on the app. "
                f"Apply for {access_level} access to {permission or 'the permission'} "
                "in the App Dashboard (App Review).",
            )
        super().__init__(what, **kwargs)
        self.permission = permission
        self.access_level = access_level
        """The access level the call needs ("advanced") when the platform said so."""


class RateLimited(AdapterError):
    """Throttled by the platform; ``until`` is when access should come back, if known."""

    default_retryable = True
    default_fix = "Nothing to do: Linkdeck waits until the platform lets it call again."

    def __init__(self, until: datetime | None = None, **kwargs: Any) -> None:
        when = f" until {until.isoformat(timespec='seconds')}" if until else ""
        super().__init__(f"rate limited{when}", **kwargs)
        self.until = until


class WindowClosed(AdapterError):
    """The reply window is closed; ``human_agent_possible`` says whether HUMAN_AGENT would work."""

    def __init__(self, human_agent_possible: bool = False, **kwargs: Any) -> None:
        extra = " (a human agent reply is still possible)" if human_agent_possible else ""
        super().__init__(f"reply window closed{extra}", **kwargs)
        self.human_agent_possible = human_agent_possible


class RecipientUnavailable(AdapterError):
    """The person cannot be messaged (unknown id, blocked, opted out, deactivated)."""

    default_summary = "recipient unavailable"


class ThreadControlled(AdapterError):
    """Another app controls this conversation (Meta's handover protocol): not ours to answer."""

    default_summary = "another app controls this conversation"
    default_fix = (
        "Another app (a chatbot or another inbox tool) holds this conversation. Reply from "
        "that app, or have it pass thread control to this one."
    )


class InvalidRequest(AdapterError):
    """The request itself is wrong (bad parameter, unknown path, text too long)."""

    default_summary = "invalid request"


class Transient(AdapterError):
    """A temporary failure: retry later with backoff."""

    default_summary = "temporary platform failure"
    default_retryable = True


class PartialListing(AdapterError):
    """A conversation walk failed part-way: ``changes`` holds what the pages before the
    failure listed (newest first), ``cause`` why it stopped.

    The caller keeps what was read but must not treat the listing as complete (its
    watermark may move only over what it stored).
    """

    def __init__(self, cause: AdapterError, changes: list[Any]) -> None:
        super().__init__(str(cause), retryable=cause.retryable, fix=cause.fix)
        for key, value in cause.platform_fields().items():
            setattr(self, key, value)
        self.cause = cause
        self.changes = changes


class OutcomeUnknown(Transient):
    """A POST that may have reached the server: reconcile before retrying it."""

    default_summary = "outcome unknown: the request may have been processed"


# 190 subcodes -> what the user does about it (Graph "Handling Errors" guide).
_TOKEN_FIX = "Paste a new token, or link the account again."
_TOKEN_FIXES: dict[int | None, str] = {
    458: "The app was removed from the account: link the account again.",
    459: (
        "Facebook put the account through a security check: log in at facebook.com, finish "
        "the check, then link the account again."
    ),
    460: "The password was changed, which ended the session: link the account again.",
    463: "The token expired: paste a new token, or link the account again.",
    464: (
        "The Facebook account is not confirmed yet: log in at facebook.com and confirm it, "
        "then link the account again."
    ),
    467: "The token was revoked or its session ended: link the account again.",
    492: (
        "The person whose token this is no longer has a role on the Page: have a Page admin "
        "give them one, or link with an admin's token."
    ),
    493: "Nobody used the app for 90 days, so its data access lapsed: link the account again.",
}
# 190 subcodes -> the reason shown to the user (Graph "Handling Errors" guide).
_TOKEN_REASONS: dict[int, str] = {
    458: "app deauthorized",
    459: "account checkpointed",
    460: "password changed",
    463: "expired",
    464: "unconfirmed user",
    467: "session invalid",
    492: "session invalid",
    493: "data access expired",
}
# App, user and Page limits, then the business-use-case family (80000-80014).
_RATE_CODES = frozenset({4, 17, 32, 341, 613} | {80000, 80001, 80002, 80003, 80004, 80005})
_RATE_CODES |= frozenset({80006, 80008, 80009, 80014})
_WINDOW_SUBCODES = frozenset({2018278, 2534022, 2018065})
_RECIPIENT_PAIRS = frozenset(
    {(10, 2018108), (100, 2018001), (100, 2534014), (200, 1545041), (551, 1545041)}
)
_STANDARD_ACCESS_SUBCODES = frozenset({2018027, 2018028})
_THREAD_CONTROL_SUBCODES = frozenset({2018300, 2534037})
_TRANSIENT_CODES = frozenset({1, 2, 1200})
# Code 1 is "possibly a temporary issue", except with these subcodes, which do not heal by
# waiting: 99 (a missing permission, access level or business verification) and 2018382.
_PERMISSION_UNKNOWN_SUBCODES = frozenset({99})
_PERMANENT_UNKNOWN_SUBCODES = frozenset({2018382})

# "Session has expired on Wednesday, 14-Feb-18 18:00:00 PST." (a 190/463 message).
_PLATFORM_TIME = re.compile(
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, )?"
    r"(\d{1,2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) (PST|PDT|UTC|GMT)"
)
_ZONES = {"PST": -8, "PDT": -7, "UTC": 0, "GMT": 0}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def localize_times(text: str, zone: tzinfo | None = None) -> str:
    """``text`` with each time Meta wrote in its own zone rewritten in ``zone``.

    For display only: nothing decides anything on the text.
    """

    def rewrite(match: re.Match[str]) -> str:
        day, month, year, hour, minute, second, name = match.groups()
        if month not in _MONTHS:
            return match.group(0)
        try:
            moment = datetime(
                2000 + int(year),
                _MONTHS.index(month) + 1,
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=timezone(timedelta(hours=_ZONES[name])),
            )
        except ValueError:
            return match.group(0)
        local = moment.astimezone(zone)
        return local.strftime("%a %d %b %Y %H:%M:%S %Z").strip()

    return _PLATFORM_TIME.sub(rewrite, text) if text else text


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _error_object(body: object) -> Mapping[str, Any] | None:
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return error
    return None


def _text(error: Mapping[str, Any], key: str, limit: int = 1000) -> str:
    value = error.get(key)
    # Kept for display only; bounded because it is untrusted.
    return value[:limit] if isinstance(value, str) else ""


def _oauth_error(status: int, body: object) -> AdapterError | None:
    """Instagram Login's OAuth endpoints answer without the ``error`` envelope:
    ``{"error_type": "OAuthException", "code": 400, "error_message": "..."}``."""
    if not isinstance(body, Mapping):
        return None
    message = body.get("error_message")
    if not isinstance(message, str) or not message:
        return None
    if _as_int(body.get("code")) == 190:
        # The same envelope-less shape for a dead token: still a token problem, by code.
        return TokenInvalid("invalid", platform_message=message[:1000], http_status=status)
    kind = body.get("error_type")
    summary = "Instagram refused the request"
    if isinstance(kind, str) and kind.isidentifier() and len(kind) <= 40:
        summary += f" ({kind})"
    return InvalidRequest(summary, platform_message=message[:1000], http_status=status)


def map_graph_error(
    status: int,
    body: object,
    headers: Mapping[str, str],
    now: datetime,
    *,
    permission_hint: str | None = None,
    usage_scope: UsageScope | None = None,
) -> AdapterError:
    """Turn a failed Graph response into a typed error, by ``code``/``error_subcode`` only.

    Args:
        status: the HTTP status.
        body: the decoded JSON body, or ``None`` when it was not JSON.
        headers: the response headers (read for usage and regain-access times).
        now: the current time, to turn "minutes to regain access" into a moment.
        permission_hint: the permission the caller needed, named in ``PermissionMissing``
            when the platform does not say which (it never does in a machine-readable way).
        usage_scope: the business objects and types the call concerned: a rate limit's end
            is read from their usage entries only.
    """
    error = _error_object(body)
    if error is None:
        oauth = _oauth_error(status, body)
        if oauth is not None:
            return oauth
        # No Graph envelope: all we have is the status.
        if status == 429:
            usage = parse_usage(headers, now, usage_scope)
            return RateLimited(usage.regain_at if usage else None, http_status=status)
        if status >= 500:
            return Transient(f"server error (HTTP {status})", http_status=status)
        if status == 401:
            return TokenInvalid("invalid", None, http_status=status)
        return InvalidRequest(f"request refused (HTTP {status})", http_status=status)

    code = _as_int(error.get("code"))
    subcode = _as_int(error.get("error_subcode"))
    common: dict[str, Any] = {
        "code": code,
        "subcode": subcode,
        "platform_message": _text(error, "message"),
        "http_status": status,
        "user_title": _text(error, "error_user_title", 200),
        "user_message": _text(error, "error_user_msg"),
        "trace_id": _text(error, "fbtrace_id", 100),
    }

    if code in (190, 102):
        reason = _TOKEN_REASONS.get(subcode, "invalid") if subcode else "invalid"
        return TokenInvalid(reason, **common)
    if code in _RATE_CODES or (code, subcode) == (9, 2018352):
        usage = parse_usage(headers, now, usage_scope)
        return RateLimited(usage.regain_at if usage else None, **common)
    if code == 10 and subcode in _WINDOW_SUBCODES:
        return WindowClosed(False, **common)
    if (code, subcode) in _RECIPIENT_PAIRS or code == 551:
        return RecipientUnavailable(**common)
    if subcode in _THREAD_CONTROL_SUBCODES:
        return ThreadControlled(**common)
    if code == 200 and subcode in _STANDARD_ACCESS_SUBCODES:
        # Standard access: non-role users need the reviewed messaging permission.
        return PermissionMissing(
            permission_hint or "pages_messaging", access_level="advanced", **common
        )
    if code == 1 and subcode in _PERMISSION_UNKNOWN_SUBCODES:
        return PermissionMissing(
            permission_hint,
            fix=(
                "Meta says this when a permission, an access level or business verification "
                "is missing: check them in the App Dashboard."
            ),
            **common,
        )
    if code == 1 and subcode in _PERMANENT_UNKNOWN_SUBCODES:
        return InvalidRequest(
            "the platform refused this request",
            fix="Meta refuses this request as it stands: sending it again will not help.",
            **common,
        )
    if code == 3 or code == 10 or (code is not None and 200 <= code <= 299):
        if (code, subcode) == (10, 1893063):
            return AdapterError("sending temporarily restricted by the platform", **common)
        return PermissionMissing(permission_hint, **common)
    if code == 368:
        return AdapterError("temporarily blocked by the platform", **common)
    if code in _TRANSIENT_CODES or error.get("is_transient") is True or status >= 500:
        return Transient(**common)
    return InvalidRequest(**common)


_ISO_MOMENT = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def localize_moments(text: str, zone: tzinfo | None = None) -> str:
    """``text`` with Meta's zoned times (PST...) and our own ISO moments shown in ``zone``.

    ISO moments (as :func:`failure_words` writes them) become a wall-clock ``HH:MM``.
    For display only: nothing decides anything on the text.
    """
    if not text:
        return text

    def rewrite(match: re.Match[str]) -> str:
        try:
            moment = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        return moment.astimezone(zone).strftime("%H:%M")

    return _ISO_MOMENT.sub(rewrite, localize_times(text, zone))


def failure_words(exc: AdapterError, *, retrying: bool = False) -> str:
    """Why a send failed, in the user's words (the platform's own text is for the detail).

    Args:
        exc: What the adapter raised.
        retrying: The outbox will try again by itself (a rate limit says when, as an ISO
            moment that :func:`localize_moments` turns into the reader's wall-clock time).
    """
    if isinstance(exc, TokenInvalid):
        return "the token needs re-authentication (Profiles tab)"
    if isinstance(exc, WindowClosed):
        if exc.human_agent_possible:
            return "outside the 24-hour reply window (a human agent reply is still possible)"
        return "outside the 24-hour reply window"
    if isinstance(exc, RateLimited):
        if not retrying:
            return "rate limited by the platform"
        if exc.until is None:
            return "rate limited, will retry"
        until = exc.until.astimezone(UTC).isoformat(timespec="seconds")
        return f"rate limited, will retry at {until}"
    if isinstance(exc, RecipientUnavailable):
        return "recipient unavailable"
    return str(exc)
