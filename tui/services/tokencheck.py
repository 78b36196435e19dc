"""A Page token's own status from ``debug_token``, asked with the Facebook app's token.

Only ``debug_token`` tells whether a Page token expires and when its data access ends
(``GET /debug_token?input_token=...`` with an app token ``{app-id}|{app-secret}``); the
adapters' ``/me`` check proves only that it works today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from tui.adapters import FACEBOOK_URL
from tui.adapters.errors import AdapterError
from tui.adapters.graph import GraphClient
from tui.domain.clock import utc_now

__all__ = ["TokenStatus", "debug_token"]


@dataclass(frozen=True)
class TokenStatus:
    """What ``debug_token`` says of one token."""

    valid: bool
    expires_at: datetime | None
    """``None`` with ``never_expires``, or when Meta did not say."""
    never_expires: bool = False
    data_access_expires_at: datetime | None = None
    error: str = ""
    """Meta's own words when the token is not valid (untrusted text)."""


def _moment(value: object) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


def parse_debug_token(body: object) -> TokenStatus | None:
    """The ``data`` object of a ``debug_token`` answer, or ``None`` when it is not one."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("is_valid"), bool):
        return None
    error = data.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    expires = data.get("expires_at")
    return TokenStatus(
        valid=data["is_valid"],
        expires_at=_moment(expires),
        never_expires=expires == 0,
        data_access_expires_at=_moment(data.get("data_access_expires_at")),
        error=message if isinstance(message, str) else "",
    )


async def debug_token(
    token: str,
    *,
    app_id: str,
    app_secret: str,
    graph_url: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> TokenStatus | None:
    """Ask Meta about ``token``; ``None`` when the answer could not be had."""
    client = GraphClient(
        graph_url or FACEBOOK_URL, f"{app_id}|{app_secret}", transport=transport, clock=clock
    )
    try:
        response = await client.get("debug_token", token_params={"input_token": token})
    except AdapterError:
        return None
    finally:
        await client.aclose()
    return parse_debug_token(response.data)
