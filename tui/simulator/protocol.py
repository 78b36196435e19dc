"""Plain request, response and error types shared by every part of the simulator."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FACEBOOK_HOST = "graph.facebook.com"
INSTAGRAM_HOST = "graph.instagram.com"
INSTAGRAM_PREFIX = "/instagram"
"""On loopback one port serves both hosts; paths under this prefix are graph.instagram.com."""


@dataclass
class SimRequest:
    """One HTTP request as the handler sees it, whichever server carried it."""

    method: str
    host: str
    """``graph.facebook.com`` or ``graph.instagram.com``."""
    path: str
    """The path on that host, without the ``/instagram`` loopback prefix."""
    query: list[tuple[str, str]] = field(default_factory=list)
    """The query string as a multi-dict (order kept, repeats allowed)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Header names lower-cased."""
    body: bytes = b""
    base_url: str = "https://graph.facebook.com"
    """Scheme, authority and host prefix the client used; paging URLs are built on it."""

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, or ``None``."""
        found = None
        for key, value in self.query:
            if key == name:
                found = value
        return found


@dataclass(frozen=True)
class FaultDirective:
    """How a server should misbehave while delivering a response."""

    delay: float = 0.0
    """Seconds to wait before answering."""
    drip_bytes_per_second: int | None = None
    """Send the body this slowly."""
    truncate_after: int | None = None
    """Announce the full length but close after this many body bytes."""
    drop: bool = False
    """Close the connection without any response."""


@dataclass
class SimResponse:
    """What the handler answers; ``fault`` tells the server how to deliver it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fault: FaultDirective | None = None

    def json(self) -> Any:
        return json.loads(self.body)


class GraphError(Exception):
    """A Graph API error; the handler turns it into Meta's error envelope."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        subcode: int | None = None,
        type: str | None = None,
        is_transient: bool | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.subcode = subcode
        self.type = type
        self.is_transient = is_transient
        self.headers = headers or {}

    def envelope(self, host: str, trace_id: str) -> dict[str, Any]:
        """The ``{"error": {...}}`` body, typed for the host it came from."""
        default_type = "IGApiException" if host == INSTAGRAM_HOST else "OAuthException"
        error: dict[str, Any] = {"message": self.message, "type": self.type or default_type}
        error["code"] = self.code
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        error["fbtrace_id"] = trace_id
        return {"error": error}


def graph_time(moment: datetime) -> str:
    """Meta's node timestamp format: ``2026-05-01T10:15:02+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def dump_json(value: Any) -> bytes:
    """Compact JSON as Meta sends it (non-ASCII escaped, like the real API)."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def unknown_path(path: str) -> GraphError:
    return GraphError(2500, f"Unknown path components: {path}")


def missing_object(object_id: str, method: str = "get") -> GraphError:
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type="GraphMethodException",
    )


def invalid_param(message: str, subcode: int | None = None, *, status: int = 400) -> GraphError:
    return GraphError(100, f"(#100) {message}", subcode=subcode, status=status)
