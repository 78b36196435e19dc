"""Scripted faults: the next N requests matching a path misbehave in a chosen way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tui.simulator.protocol import FaultDirective, GraphError


@dataclass
class FaultRule:
    """One entry of ``POST /_sim/faults``.

    ``path`` is a prefix matched against the path as sent (``/v25.0/me/conversations``) and
    against the same path without its version (``/me/conversations``); with ``regex: true``
    (or a ``re:`` prefix) it is a regular expression searched in both instead.
    """

    path: str
    count: int = 1
    """How many matching requests this fault spoils; -1 means every one."""
    regex: bool = False
    method: str | None = None
    host: str | None = None
    status: int | None = None
    error: dict[str, Any] | None = None
    body: str | None = None
    """A raw body to send instead (malformed JSON, an HTML error page)."""
    headers: dict[str, str] | None = None
    """Extra response headers sent with a raw body (a usage header to replay)."""
    query: dict[str, str] | None = None
    """Query parameters the request must carry (``"*"``: any value), e.g. ``{"after": "*"}``
    to spoil every page but the first."""
    directive: FaultDirective | None = None

    def matches(
        self,
        method: str,
        host: str,
        paths: tuple[str, ...],
        query: tuple[tuple[str, str], ...] = (),
    ) -> bool:
        if self.method and self.method.upper() != method:
            return False
        if self.query:
            given = dict(query)
            for key, value in self.query.items():
                if key not in given or value not in ("*", given[key]):
                    return False
        if self.host and self.host != host:
            return False
        if self.regex:
            return any(re.search(self.path, p) for p in paths)
        return any(p.startswith(self.path) for p in paths)

    def graph_error(self) -> GraphError:
        status = self.status or 500
        spec = self.error or {}
        if status >= 500:
            code, message = 2, "An unexpected error has occurred. Please retry your request later."
            transient: bool | None = True
        else:
            code, message, transient = 1, "An unknown error occurred", None
        return GraphError(
            int(spec.get("code", code)),
            str(spec.get("message", message)),
            status=status,
            subcode=spec.get("subcode", spec.get("error_subcode")),
            type=spec.get("type"),
            is_transient=spec.get("is_transient", transient),
        )


def rule_from_json(spec: dict[str, Any]) -> FaultRule:
    """Build a rule from a control-API body; raises ``ValueError`` on nonsense."""
    path = spec.get("path")
    if not isinstance(path, str) or not path:
        raise ValueError("a fault needs a path")
    regex = bool(spec.get("regex", False))
    if path.startswith("re:"):
        path, regex = path[3:], True
    if regex:
        re.compile(path)
    directive = None
    if any(spec.get(k) for k in ("delay", "drip_bytes_per_second", "truncate_after", "drop")):
        drip = spec.get("drip_bytes_per_second")
        truncate = spec.get("truncate_after")
        directive = FaultDirective(
            delay=float(spec.get("delay") or 0.0),
            drip_bytes_per_second=int(drip) if drip else None,
            truncate_after=int(truncate) if truncate is not None else None,
            drop=bool(spec.get("drop", False)),
        )
    error = spec.get("error")
    if error is not None and not isinstance(error, dict):
        raise ValueError("error must be an object")
    status = spec.get("status")
    headers = spec.get("headers")
    if headers is not None and not (
        isinstance(headers, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        raise ValueError("headers must map names to strings")
    query = spec.get("query")
    if query is not None and not (
        isinstance(query, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    ):
        raise ValueError("query must map names to strings")
    return FaultRule(
        path=path,
        count=int(spec.get("count", 1)),
        regex=regex,
        method=spec.get("method"),
        host=spec.get("host"),
        status=int(status) if status else (500 if error else None),
        error=error,
        body=spec.get("body"),
        headers=headers,
        query=query,
        directive=directive,
    )


class FaultBook:
    """The armed faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def take(
        self,
        method: str,
        host: str,
        paths: tuple[str, ...],
        query: tuple[tuple[str, str], ...] = (),
    ) -> FaultRule | None:
        for rule in self.rules:
            if rule.matches(method, host, paths, query):
                if rule.count > 0:
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                return rule
        return None
