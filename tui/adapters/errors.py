"""Typed adapter errors, and the mapping from Graph API error codes to them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tui.adapters.usage import parse_usage


class AdapterError(Exception):
    """Something a platform call could not do.

    ``str(error)`` is our own wording and safe to show or log; ``platform_message`` is the
    platform's (possibly localized, possibly hostile) text, for display through safe text only.
    """

    default_summary = "platform error"
    default_retryable = False

    def __init__(
        self,
        summary: str | None = None,
        *,
        code: int | None = None,
        subcode: int | None = None,
        platform_message: str = "",
        retryable: bool | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(summary or self.default_summary)
        self.code = code
        self.subcode = subcode
        self.platform_message = platform_message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.http_status = http_status


class TokenInvalid(AdapterError):
    """The token is expired, revoked or otherwise unusable: the user must re-authenticate."""

    def __init__(self, reason: str, subcode: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("subcode", subcode)
        super().__init__(f"token invalid: {reason}", **kwargs)
        self.reason = reason


class PermissionMissing(AdapterError):
    """The token lacks a permission (named when known)."""

    def __init__(self, permission: str | None = None, **kwargs: Any) -> None:
        what = f"permission missing: {permission}" if permission else "permission missing"
        super().__init__(what, **kwargs)
        self.permission = permission


class RateLimited(AdapterError):
    """Throttled by the platform; ``until`` is when access should come back, if known."""

    default_retryable = True

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


class InvalidRequest(AdapterError):
    """The request itself is wrong (bad parameter, unknown path, text too long)."""

    default_summary = "invalid request"


class Transient(AdapterError):
    """A temporary failure: retry later with backoff."""

    default_summary = "temporary platform failure"
    default_retryable = True


class OutcomeUnknown(Transient):
    """A POST that may have reached the server: reconcile before retrying it."""

    default_summary = "outcome unknown: the request may have been processed"


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
_TRANSIENT_CODES = frozenset({1, 2, 1200})


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


def map_graph_error(
    status: int,
    body: object,
    headers: Mapping[str, str],
    now: datetime,
    *,
    permission_hint: str | None = None,
) -> AdapterError:
    """Turn a failed Graph response into a typed error, by ``code``/``error_subcode`` only.

    Args:
        status: the HTTP status.
        body: the decoded JSON body, or ``None`` when it was not JSON.
        headers: the response headers (read for usage and regain-access times).
        now: the current time, to turn "minutes to regain access" into a moment.
        permission_hint: the permission the caller needed, named in ``PermissionMissing``
            when the platform does not say which (it never does in a machine-readable way).
    """
    error = _error_object(body)
    if error is None:
        # No Graph envelope: all we have is the status.
        if status == 429:
            usage = parse_usage(headers, now)
            return RateLimited(usage.regain_at if usage else None, http_status=status)
        if status >= 500:
            return Transient(f"server error (HTTP {status})", http_status=status)
        if status == 401:
            return TokenInvalid("invalid", None, http_status=status)
        return InvalidRequest(f"request refused (HTTP {status})", http_status=status)

    code = _as_int(error.get("code"))
    subcode = _as_int(error.get("error_subcode"))
    message = error.get("message")
    common: dict[str, Any] = {
        "code": code,
        "subcode": subcode,
        # Kept for display only; bounded because it is untrusted.
        "platform_message": message[:1000] if isinstance(message, str) else "",
        "http_status": status,
    }

    if code in (190, 102):
        reason = _TOKEN_REASONS.get(subcode, "invalid") if subcode else "invalid"
        return TokenInvalid(reason, **common)
    if code in _RATE_CODES or (code, subcode) == (9, 2018352):
        usage = parse_usage(headers, now)
        return RateLimited(usage.regain_at if usage else None, **common)
    if code == 10 and subcode in _WINDOW_SUBCODES:
        return WindowClosed(False, **common)
    if (code, subcode) in _RECIPIENT_PAIRS or code == 551:
        return RecipientUnavailable(**common)
    if code == 200 and subcode in _STANDARD_ACCESS_SUBCODES:
        # Standard access: non-role users need the reviewed messaging permission.
        return PermissionMissing(permission_hint or "pages_messaging", **common)
    if code == 3 or code == 10 or (code is not None and 200 <= code <= 299):
        if (code, subcode) == (10, 1893063):
            return AdapterError("sending temporarily restricted by the platform", **common)
        return PermissionMissing(permission_hint, **common)
    if code == 368:
        return AdapterError("temporarily blocked by the platform", **common)
    if code in _TRANSIENT_CODES or error.get("is_transient") is True or status >= 500:
        return Transient(**common)
    return InvalidRequest(**common)
