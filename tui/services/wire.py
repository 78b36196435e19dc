"""What goes over the service's socket: newline-delimited JSON, domain objects by cattrs.

One message per line. A dashboard sends ``hello``, then calls; the service answers each
call by its id and pushes every event and state change as it happens:

    -> {"hello": {"version": "0.1.0", "pid": 4242}}
    <- {"hello": {"version": "0.1.0", "pid": 17, "started_at": "...", ...}}
    <- {"state": {"statuses": [...], "connected": [...], "paused": [...], ...}}
    -> {"id": 1, "call": "triage", "args": {"key": ["page", "t_1"], "action": "done"}}
    <- {"event": {"_type": "ConversationsChanged", "account_id": "page", ...}}
    <- {"id": 1, "ok": null}

A service and a dashboard of different versions refuse each other with one line that
names both versions (``refused``).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cattrs.preconf.json import make_converter
from cattrs.strategies import configure_tagged_union

from tui.adapters.errors import AdapterError
from tui.config import ConfigSyntaxError, SecretError
from tui.services import events
from tui.services.api import PrefsChange
from tui.services.maintenance import MergeRefused

__all__ = [
    "MAX_LINE",
    "ServiceError",
    "converter",
    "decode",
    "encode",
    "error_from_wire",
    "error_to_wire",
    "version_line",
]

MAX_LINE = 64 * 1024 * 1024
"""The longest message line accepted (a batch of messages with long texts fits easily)."""

converter = make_converter()
configure_tagged_union(PrefsChange, converter)
configure_tagged_union(events.Event, converter)


def _token_command(value: Any, _type: Any) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    return tuple(str(part) for part in value)


converter.register_structure_hook(str | tuple[str, ...] | None, _token_command)
converter.register_structure_hook(
    bool | int | None, lambda value, _type: value if isinstance(value, bool | int) else None
)
converter.register_structure_hook(
    str | float, lambda value, _type: value if isinstance(value, str) else float(value)
)
converter.register_structure_hook(
    str | bool | None,
    lambda value, _type: value if isinstance(value, str | bool) else None,
)
converter.register_structure_hook(
    datetime | None, lambda value, _type: None if value is None else datetime.fromisoformat(value)
)


def encode(message: dict[str, Any]) -> bytes:
    """One message as a line of JSON (never a raw newline inside: json escapes them)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


def version_line(service: str, dashboard: str) -> str:
    """The one line both sides show when their versions differ."""
    return (
        f"the Linkdeck service runs version {service} and this dashboard is version "
        f"{dashboard}; run the same version for both (restart the service after an upgrade)"
    )


class ServiceError(RuntimeError):
    """The service failed a call for a reason with no closer Python type here."""


class ServiceUnavailable(ServiceError):
    """No service answers on the socket (it was stopped or killed)."""


_ERRORS: dict[str, Callable[[str], BaseException]] = {
    "MergeRefused": MergeRefused,
    "KeyError": KeyError,
    "ValueError": ValueError,
    "IndexError": IndexError,
    "TypeError": TypeError,
    "OSError": OSError,
    "PermissionError": PermissionError,
    "SecretError": SecretError,
    "AdapterError": AdapterError,
}


def error_to_wire(exc: BaseException) -> dict[str, str]:
    kind = type(exc).__name__
    for known in type(exc).__mro__:
        if known.__name__ in _ERRORS:
            kind = known.__name__
            break
    if isinstance(exc, ConfigSyntaxError):
        kind = "ValueError"
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return {"type": kind, "message": str(message)}


def error_from_wire(error: dict[str, Any]) -> BaseException:
    factory = _ERRORS.get(str(error.get("type")), ServiceError)
    return factory(str(error.get("message", "")))


def hints(function: Callable[..., Any]) -> dict[str, Any]:
    """The resolved annotations of a service method (its module's names in scope)."""
    return typing.get_type_hints(function)
