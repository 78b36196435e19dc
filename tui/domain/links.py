"""Which attachment and link targets may be shown as text, and which are refused."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["LinkVerdict", "check_link"]

MAX_SHOWN = 300
"""Longest link text shown; the rest is cut (the link is never opened anyway)."""

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_NAMED_SCHEMES = frozenset(
    {"file", "javascript", "data", "vbscript", "blob", "about", "filesystem"}
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers drop tabs and newlines anywhere in a URL, so "java\tscript:" is still javascript.
_DROPPED_INSIDE = re.compile(r"[\t\n\r]")


@dataclass(frozen=True)
class LinkVerdict:
    """Whether a link may be shown, and the text to show in its place."""

    ok: bool
    shown: str
    """The link itself (trimmed) when ``ok``, else ``[link refused: <reason>]``.

    Still outside text: pass it through safe text before drawing it."""
    reason: str | None = None
    """Why it was refused (``None`` when ``ok``)."""
    host: str | None = None
    """The host the link really goes to, in ASCII (punycode for non-ASCII names)."""
    warning: str | None = None
    """Set when the link's text hides its real host (``user@host``, look-alike letters)."""


def _refuse(reason: str) -> LinkVerdict:
    return LinkVerdict(False, f"[link refused: {reason}]", reason)


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def check_link(url: object) -> LinkVerdict:
    """Decide whether ``url`` may be shown as a link label.

    Only absolute http(s) links to public hosts pass. Refused: other schemes
    (``file:``, ``javascript:``, ``data:``, ``vbscript:``, ``blob:``, ...), loopback
    (``localhost``, 127/8, ``::1``, and the odd spellings of them browsers accept such
    as ``127.1``, ``0x7f.1`` or ``2130706433``), unspecified (0.0.0.0, ``::``),
    link-local (169.254/16, fe80::/10) and private network addresses, and links
    hiding control or invisible characters.
    """
    if not isinstance(url, str):
        return _refuse("not text")
    # Leading and trailing spaces and C0 controls are what a browser strips first.
    trimmed = url.strip(
        " \t\n\r\f\v\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11"
        "\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\u00a0"
    )
    if not trimmed:
        return _refuse("empty link")
    probe = _DROPPED_INSIDE.sub("", trimmed)
    match = _SCHEME.match(probe)
    if match is None:
        return _refuse("not an absolute http(s) link")
    scheme = match.group(1).lower()
    if scheme in _NAMED_SCHEMES:
        return _refuse(f"{scheme}: links are never shown")
    if scheme not in _ALLOWED_SCHEMES:
        return _refuse("only http and https links are shown")
    if any(_is_control(char) for char in trimmed):
        return _refuse("hidden control characters")
    host = _host_of(probe[match.end() :])
    if host is None:
        return _refuse("no host")
    problem = _host_problem(host)
    if problem is not None:
        return _refuse(problem)
    shown = trimmed if len(trimmed) <= MAX_SHOWN else trimmed[: MAX_SHOWN - 1] + "…"
    real = _ascii_host(host)
    warnings = []
    if "@" in _authority_of(probe[match.end() :]):
        warnings.append("the text before @ is not the host")
    if real != host:
        warnings.append("look-alike letters in the host")
    warning = f"goes to {real}: " + ", ".join(warnings) if warnings else None
    return LinkVerdict(True, shown, host=real, warning=warning)


def _authority_of(rest: str) -> str:
    return re.split(r"[/\\?#]", rest.lstrip("/\\"), maxsplit=1)[0]


def _ascii_host(host: str) -> str:
    """The host as DNS sees it: non-ASCII labels in punycode (``xn--...``)."""
    if host.isascii():
        return host
    labels = []
    for label in unicodedata.normalize("NFKC", host).split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)


def _host_of(rest: str) -> str | None:
    """The host of what follows ``scheme:``, read the way a browser reads http URLs."""
    # Special schemes accept any run of slashes or backslashes before the authority.
    rest = rest.lstrip("/\\")
    authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        authority = authority.rsplit("@", 1)[1]
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return None
        host = authority[: end + 1]
    else:
        host = authority.split(":", 1)[0]
    host = unquote(host).strip().lower()
    return host or None


def _host_problem(host: str) -> str | None:
    if host.startswith("["):
        try:
            address6 = ipaddress.IPv6Address(host[1:-1].split("%", 1)[0])
        except ValueError:
            return "malformed address"
        mapped = address6.ipv4_mapped
        return _address_problem(mapped if mapped is not None else address6)
    # IDNA maps compatibility forms (fullwidth letters and digits) before resolving, and
    # full stops of other scripts act as dots, so "ｌｏｃａｌｈｏｓｔ" must count as localhost.
    host = unicodedata.normalize("NFKC", host)
    host = host.replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".")
    name = host.rstrip(".")
    if not name:
        return "no host"
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback address"
    if any(_is_control(char) or char.isspace() for char in name):
        return "hidden control characters"
    address = _ipv4(name)
    if address is _MALFORMED:
        return "malformed address"
    if isinstance(address, ipaddress.IPv4Address):
        return _address_problem(address)
    return None


_MALFORMED = object()


def _ipv4_part(part: str) -> int | None:
    if part[:2] in ("0x", "0X"):
        digits = part[2:]
        if not digits:
            return 0
        return int(digits, 16) if re.fullmatch(r"[0-9a-fA-F]+", digits) else None
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if re.fullmatch(r"[0-7]+", part) else None
    return int(part) if part.isdigit() and part.isascii() else None


def _ipv4(name: str) -> ipaddress.IPv4Address | object | None:
    """Parse ``name`` as browsers parse IPv4 hosts (1 to 4 parts, hex, octal, decimal).

    Returns the address, ``None`` for an ordinary host name, or ``_MALFORMED`` for a
    name that ends in a number yet is no valid address (browsers refuse those too).
    """
    parts = name.split(".")
    last = parts[-1]
    if not last or _ipv4_part(last) is None:
        return None
    values = [_ipv4_part(part) if part else None for part in parts]
    if len(parts) > 4 or any(value is None for value in values):
        return _MALFORMED
    numbers = [int(value) for value in values if value is not None]
    *head, tail = numbers
    if any(value > 255 for value in head) or tail >= 256 ** (5 - len(numbers)):
        return _MALFORMED
    total = tail
    for index, value in enumerate(head):
        total += value << (8 * (3 - index))
    return ipaddress.IPv4Address(total)


def _address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if address.is_loopback:
        return "loopback address"
    if address.is_unspecified:
        return "unspecified address"
    if address.is_link_local:
        return "link-local address"
    if address.is_private:
        return "private network address"
    if address.is_multicast or address.is_reserved or not address.is_global:
        return "not a public address"
    return None
