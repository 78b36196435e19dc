"""Cursor pagination: opaque base64 cursors, absolute ``next``/``previous`` URLs, limit caps."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from tui.simulator.protocol import invalid_param

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_PREFIX = "sim1:"


def encode_cursor(anchor: str) -> str:
    return base64.urlsafe_b64encode((_PREFIX + anchor).encode()).decode()


def decode_cursor(cursor: str, which: str) -> str:
    """The anchor id inside a cursor; garbage gives Meta's code 100."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(_PREFIX):
        raise invalid_param(f"The {which} cursor specified is invalid")
    return raw[len(_PREFIX) :]


def parse_limit(value: str | None, default: int = DEFAULT_LIMIT) -> int:
    """``limit`` as Graph reads it: a positive integer, silently capped."""
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except ValueError:
        raise invalid_param("Param limit must be a number") from None
    if limit < 0:
        raise invalid_param("Param limit must be a non-negative integer")
    return min(limit or default, MAX_LIMIT)


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    *,
    limit: int,
    after: str | None,
    before: str | None,
    url: Callable[[dict[str, str]], str],
) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` and its ``paging`` object.

    Args:
        items: The whole ordered list.
        key: The id of an item; cursors point at ids so that new items at the front do not
            shift the pages a client is walking.
        url: Builds the absolute URL of a neighbouring page from cursor parameters.
    """
    ids = [key(item) for item in items]
    start, end = 0, min(limit, len(items))
    if after:
        anchor = decode_cursor(after, "after")
        if anchor not in ids:
            raise invalid_param("The after cursor specified is invalid or has expired")
        start = ids.index(anchor) + 1
        end = min(start + limit, len(items))
    elif before:
        anchor = decode_cursor(before, "before")
        if anchor not in ids:
            raise invalid_param("The before cursor specified is invalid or has expired")
        end = ids.index(anchor)
        start = max(0, end - limit)
    page = list(items[start:end])
    paging: dict[str, Any] = {}
    if page:
        first, last = encode_cursor(ids[start]), encode_cursor(ids[end - 1])
        paging["cursors"] = {"before": first, "after": last}
        if start > 0:
            paging["previous"] = url({"before": first})
        if end < len(items):
            paging["next"] = url({"after": last})
    return page, paging


def page_url(base: str, path: str, query: list[tuple[str, str]], cursor: dict[str, str]) -> str:
    """``base + path`` with the original query, its cursors replaced by ``cursor``."""
    kept = [(k, v) for k, v in query if k not in ("after", "before")]
    kept.extend(cursor.items())
    return f"{base}{path}?{urlencode(kept)}"
