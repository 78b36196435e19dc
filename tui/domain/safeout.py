"""Everything a command prints passes through here: no stranger's text can drive the terminal.

Two helpers built on :mod:`tui.domain.safetext`:

- :class:`TerminalStream` wraps ``sys.stdout``/``sys.stderr``; every string written through it
  has its controls, bidi overrides and invisible format characters replaced by visible
  markers (``⟨ESC⟩``, ``⟨RLO⟩``). Newlines and tabs are kept.
- :func:`json_line` is ``json.dumps`` that also escapes what JSON allows raw (DEL, C1
  controls, U+2028/2029, bidi and other format characters, lone surrogates) so that a JSON
  line is plain, printable text whatever it holds, and still decodes to the same value.

:func:`safe_output` installs the wrappers for the time a command runs.
"""

from __future__ import annotations

import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

from tui.domain.safetext import sanitize

__all__ = ["TerminalStream", "for_terminal", "json_line", "safe_output"]

_NO_LIMIT = sys.maxsize
_NON_ASCII_OR_DEL = re.compile(r"[^\x00-\x7e]")
# Categories JSON may carry raw but a terminal or an editor would act on.
_ESCAPED_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))


def for_terminal(text: str) -> str:
    """``text`` with every control and bidi character shown as a marker (newlines kept)."""
    return sanitize(text, max_chars=_NO_LIMIT, max_combining=_NO_LIMIT)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_line(value: Any) -> str:
    """One JSON document on one line, with every invisible or controlling character escaped."""
    # ensure_ascii=False keeps readable letters; C0 controls are already escaped by json,
    # and the characters escaped here can only occur inside strings.
    return _NON_ASCII_OR_DEL.sub(_escape, json.dumps(value, ensure_ascii=False))


class TerminalStream(io.TextIOBase):
    """A text stream that shows controls as markers before they reach ``raw``."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(for_terminal(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8") or "utf-8"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


@contextmanager
def safe_output(*, data_on_stdout: bool = False) -> Iterator[None]:
    """Route ``print`` and logging through :class:`TerminalStream` while a command runs.

    Args:
        data_on_stdout: stdout carries data (``linkdeck export``): it is marked only when it
            is a terminal, so that a file or a pipe receives the exact records. Human text
            (stderr, and stdout of every other command) is always marked.
    """
    saved_out, saved_err = sys.stdout, sys.stderr
    if not isinstance(saved_out, TerminalStream) and (
        not data_on_stdout or _is_terminal(saved_out)
    ):
        sys.stdout = TerminalStream(saved_out)
    if not isinstance(saved_err, TerminalStream):
        sys.stderr = TerminalStream(saved_err)
    try:
        yield
    finally:
        for wrapper in (sys.stdout, sys.stderr):
            if isinstance(wrapper, TerminalStream):
                with suppress(OSError, ValueError):
                    wrapper.flush()
        sys.stdout, sys.stderr = saved_out, saved_err
