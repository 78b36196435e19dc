"""Apprise push URLs in config.toml: checked at load, their secret parts kept out of logs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.config.checker import Checker
from tui.config.redact import register_secret

__all__ = ["push_label", "read_push_urls", "register_push_secrets", "url_problem"]


class _Drop(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet_apprise() -> Iterator[None]:
    """Apprise logs a URL it cannot parse as it was given, secrets and all: not here."""
    logger = logging.getLogger("apprise")
    drop = _Drop()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def register_push_secrets(url: str) -> None:
    """Register every part of ``url`` that may carry a secret for redaction.

    Apprise URLs hold tokens in the user and password, the path, the query, and for
    many services (``tgram://BOTTOKEN/...``, ``discord://ID/TOKEN``) the host itself.
    A host that looks like a host name or an address (a dot, ``localhost``) stays
    readable; everything else is treated like a token.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        register_secret(url)
        return
    netloc = parts.netloc
    userinfo, _, hostport = netloc.rpartition("@")
    if userinfo:
        user, _, password = userinfo.partition(":")
        register_secret(unquote(user))
        register_secret(unquote(password))
    host = hostport.rsplit(":", 1)[0] if hostport.count(":") == 1 else hostport
    if host and "." not in host and host.lower() != "localhost":
        register_secret(unquote(host))
    for segment in parts.path.split("/"):
        register_secret(unquote(segment))
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        register_secret(value)


def push_label(url: str) -> str:
    """A name for a URL that is safe to log or show: its scheme only (``ntfy://…``)."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    clean = "".join(c for c in scheme if c.isalnum() or c in "+-.")[:20]
    return f"{clean}://…" if clean else "(not a URL)"


def url_problem(url: str) -> str | None:
    """Why apprise cannot use ``url`` (without echoing it), or ``None`` when it can."""
    if "://" not in url:
        return "not an apprise URL (expected scheme://..., e.g. ntfy://topic)"
    # Imported here: apprise loads its ~200 plugins on first use, a config without
    # push URLs never pays for that.
    import apprise

    with _quiet_apprise():
        plugin = apprise.Apprise.instantiate(url.strip())
    if plugin is None:
        return f"apprise cannot use this {push_label(url)} URL (unknown service or bad format)"
    return None


def read_push_urls(check: Checker, data: Mapping[str, Any], name: str, key: str) -> tuple[str, ...]:
    """The valid apprise URLs under ``data[name]``; each bad one is a problem naming its key."""
    urls = check.strings(data, name, key)
    good: list[str] = []
    for index, url in enumerate(urls):
        register_push_secrets(url)
        problem = url_problem(url)
        if problem is None:
            good.append(url.strip())
        else:
            check.error(key, f"entry {index + 1}: {problem}; this push target is ignored")
    return tuple(good)
