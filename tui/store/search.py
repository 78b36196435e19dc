"""Turns anything a user types into a safe FTS5 query plus filters, and finds match spans."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tui.domain.models import Conversation, InboxMessage, Platform

MAX_TERMS = 32
"""Terms past this many are ignored: a pasted 10 kB string must not build a huge query."""

MAX_QUERY_CHARS = 4096
"""Only this much of a query is read; the rest of a longer paste is ignored."""

_FILTER = re.compile(r"(?i)^(from|platform|account|label|before|after):(.*)$", re.DOTALL)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ASCII_TOKEN = re.compile(r"[0-9A-Za-z]+")


@dataclass(frozen=True)
class SearchHit:
    """One matching message, its conversation, and where the query matched its text."""

    message: InboxMessage
    conversation: Conversation | None
    spans: list[tuple[int, int]]
    """``[start, end)`` character offsets into ``message.text``, in order, not overlapping."""
    outbox: bool = False
    """A reply of ours still in the outbox (pending or failed), not a stored message."""


@dataclass(frozen=True)
class Term:
    """One thing to find: a word or a quoted phrase, split into index tokens."""

    tokens: tuple[str, ...]
    prefix: bool = False
    """A trailing ``*`` typed after a plain word: match words starting with it."""


@dataclass
class ParsedQuery:
    """A search box string taken apart: words and phrases to match, and filters."""

    terms: list[Term] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    """``label:vip`` or ``#vip``: only conversations carrying that label (any case)."""
    before: datetime | None = None
    """``before:DAY``: only messages earlier than the start of that day (UTC)."""
    after: datetime | None = None
    """``after:DAY``: only messages from the start of that day (UTC) on."""

    @property
    def empty(self) -> bool:
        return not (
            self.terms or self.senders or self.platforms or self.accounts or self.labels
        ) and (self.before is None and self.after is None)

    def fts(self) -> str | None:
        """The FTS5 MATCH expression: every token a quoted string, so no syntax leaks in."""
        parts: list[str] = []
        for term in self.terms:
            phrase = '"' + " ".join(term.tokens).replace('"', '""') + '"'
            parts.append(phrase + ("*" if term.prefix else ""))
        return " AND ".join(parts) if parts else None


def _clean(text: str) -> str:
    """Drop lone surrogates and control characters; they can match nothing anyway."""
    text = text[:MAX_QUERY_CHARS]
    if text.isascii() and text.isprintable():  # what is typed, mostly: nothing to drop
        return text
    return "".join(
        ch for ch in text if not ("\ud800" <= ch <= "\udfff") and (ch.isprintable() or ch in " \t")
    )


def _token_char(ch: str) -> bool:
    # unicode61 keeps letters, numbers, marks and private-use characters; all else separates.
    return ch.isalnum() or unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Co"


def tokenize(text: str) -> list[str]:
    """Split text the way the FTS index does (near enough for queries and highlighting)."""
    if text.isascii():  # ASCII word characters are exactly the letters and digits
        return _ASCII_TOKEN.findall(text)
    tokens: list[str] = []
    current: list[str] = []
    for ch in text:
        if _token_char(ch):
            current.append(ch)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


def _words(text: str) -> list[tuple[str, bool]]:
    """Split into (word, was_quoted); an unclosed quote runs to the end."""
    words: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end
            words.append((text[i + 1 : end], True))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            # key:"a value with spaces" stays one word
            if text[i] == '"' and i > start and text[i - 1] == ":":
                end = text.find('"', i + 1)
                i = n if end == -1 else end + 1
                continue
            i += 1
        words.append((text[start:i], False))
    return words


def _day(value: str) -> datetime | None:
    if not _DATE.match(value):
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        return None


def parse(query: str) -> ParsedQuery:
    """Parse a search box string; never raises, whatever ``query`` holds."""
    parsed = ParsedQuery()
    for word, quoted in _words(_clean(query)):
        match = None if quoted else _FILTER.match(word)
        if not quoted and word.startswith("#") and len(word) > 1:
            parsed.labels.append(word[1:])
            continue
        if match:
            key, value = match.group(1).lower(), match.group(2).strip('"').strip()
            if _apply_filter(parsed, key, value):
                continue
        prefix = not quoted and word.endswith("*")
        tokens = tuple(t.lower() for t in tokenize(word))
        if tokens and len(parsed.terms) < MAX_TERMS:
            parsed.terms.append(Term(tokens, prefix=prefix))
    return parsed


def _apply_filter(parsed: ParsedQuery, key: str, value: str) -> bool:
    """Record a filter; ``False`` when the value is not valid (then it is plain text)."""
    if not value:
        return False
    if key == "from":
        parsed.senders.append(value)
    elif key == "account":
        parsed.accounts.append(value)
    elif key == "label":
        parsed.labels.append(value.removeprefix("#"))
    elif key == "platform":
        if value.lower() not in {p.value for p in Platform}:
            return False
        parsed.platforms.append(value.lower())
    else:
        day = _day(value)
        if day is None:
            return False
        if key == "before":
            parsed.before = day
        else:
            parsed.after = day
    return True


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", ch.casefold()) if not unicodedata.combining(c)
    )


def _fold(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded text, and for each folded char the index it came from."""
    if text.isascii():  # the common case: one char each, nothing to strip
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        for c in folded:
            out.append(c)
            index.append(i)
    return "".join(out), index


def _is_word_char(ch: str) -> bool:
    return _token_char(ch)


def spans(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` in ``text`` of every whole-word match of a term token."""
    if not text or not terms:
        return []
    return _spans(text, _wanted(terms))


def span_finder(terms: list[Term]) -> Callable[[str], list[tuple[int, int]]]:
    """``spans`` for many texts and the same terms: the terms are folded once."""
    wanted = _wanted(terms)

    def find(text: str) -> list[tuple[int, int]]:
        return _spans(text, wanted) if text and wanted else []

    return find


def _wanted(terms: list[Term]) -> dict[str, bool]:
    """Each folded token to look for, and whether it may be a word's prefix."""
    wanted: dict[str, bool] = {}
    for term in terms:
        for pos, token in enumerate(term.tokens):
            folded_token, _ = _fold(token)
            is_prefix = term.prefix and pos == len(term.tokens) - 1
            if folded_token:
                wanted[folded_token] = wanted.get(folded_token, False) or is_prefix
    return wanted


def _spans(text: str, wanted: dict[str, bool]) -> list[tuple[int, int]]:
    # ASCII folds char for char (no index map to build), and its word chars are alnum.
    index: list[int] | None = None
    word_char: Callable[[str], bool] = str.isalnum
    if text.isascii():
        folded = text.lower()
    else:
        folded, index = _fold(text)
        word_char = _is_word_char
    found: list[tuple[int, int]] = []
    for token, is_prefix in wanted.items():
        start = folded.find(token)
        while start != -1:
            end = start + len(token)
            left_ok = start == 0 or not word_char(folded[start - 1])
            right_ok = end == len(folded) or not word_char(folded[end])
            if left_ok and (right_ok or is_prefix):
                if is_prefix:
                    while end < len(folded) and word_char(folded[end]):
                        end += 1
                found.append((start, end) if index is None else (index[start], index[end - 1] + 1))
            start = folded.find(token, start + 1)
    if len(found) < 2:
        return found
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
