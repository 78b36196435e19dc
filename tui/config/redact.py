"""Keeps tokens out of logs, exception text and tracebacks: a registry plus log plumbing."""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

from tui.domain.safeout import for_terminal

__all__ = [
    "MIN_FRAGMENT",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "RedactingFilter",
    "RedactingFormatter",
    "clear_secrets",
    "format_exception_redacted",
    "install_excepthook",
    "install_log_redaction",
    "redact",
    "redacting_excepthook",
    "register_secret",
    "uninstall_log_redaction",
]

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 8
"""Shorter values are not registered: redacting them would shred ordinary text."""
MIN_FRAGMENT = 12
"""A run of this many consecutive characters of a secret is redacted too (a truncated token)."""

# Values that are secret by position, whether or not anyone registered them. A name may
# follow a percent-escape ("%3Faccess_token%3D...", inside an encoded callback URL, where
# no word boundary precedes it), and "=" and "&" may be encoded once or more ("%3D",
# "%253D"): the value ends at the first "&" in any of those spellings.
_SECRET_NAMES = "access_token|input_token|fb_exchange_token|client_secret|appsecret_proof"
_PCT = r"%(?:25)*"
_QUERY_PARAM = re.compile(
    r"(?i)(?:(?<=%[0-9a-f]{2})|(?<=%25[0-9a-f]{2})|\b)(" + _SECRET_NAMES + r")"
    r"(=|" + _PCT + r"3D)((?:(?!" + _PCT + r"26)[^&\s\"'#<>])+)"
)
# The same names as JSON keys inside an encoded URL: %22access_token%22%3A%22...%22
_ENCODED_JSON_FIELD = re.compile(
    r"(?i)(" + _PCT + r"22(?:" + _SECRET_NAMES + r"|token)" + _PCT + r"22"
    r"(?:" + _PCT + r"20|\+)*" + _PCT + r"3A(?:" + _PCT + r"20|\+)*" + _PCT + r"22)"
    r"((?:(?!" + _PCT + r"22)[^&\s\"'#<>])+)"
)
_JSON_FIELD = re.compile(
    r"(?i)([\"'](?:access_token|input_token|client_secret|appsecret_proof|token)[\"']\s*:\s*)"
    r"([\"'])([^\"']+)([\"'])"
)
_AUTH_SCHEME = re.compile(
    r"(?i)(\bBearer|\bAuthorization[\"']?\s*[:=]\s*[\"']?OAuth)(\s+|%20)([A-Za-z0-9\-._~+/|=%]+)"
)

_lock = threading.Lock()
_secrets: set[str] = set()
_full_pattern: re.Pattern[str] | None = None
_fragments: frozenset[str] = frozenset()
_CANDIDATE = re.compile(r"\S{" + str(MIN_FRAGMENT) + ",}")


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`redact` hides it (and long pieces of it) everywhere."""
    if not value:
        return
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        _rebuild()


def clear_secrets() -> None:
    """Forget every registered secret (tests only; a running app never needs this)."""
    with _lock:
        _secrets.clear()
        _rebuild()


def _rebuild() -> None:
    global _full_pattern, _fragments
    if not _secrets:
        _full_pattern, _fragments = None, frozenset()
        return
    # Longest first so a secret that contains another is replaced whole.
    ordered = sorted(_secrets, key=len, reverse=True)
    _full_pattern = re.compile("|".join(re.escape(s) for s in ordered))
    _fragments = frozenset(
        s[i : i + MIN_FRAGMENT] for s in ordered for i in range(len(s) - MIN_FRAGMENT + 1)
    )


def redact(text: str) -> str:
    """``text`` with every registered secret, token-shaped parameter and bearer value hidden."""
    if not text:
        return text
    pattern, fragments = _full_pattern, _fragments
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    text = _QUERY_PARAM.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    text = _ENCODED_JSON_FIELD.sub(lambda m: f"{m[1]}{REDACTED}", text)
    text = _JSON_FIELD.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}{m[4]}", text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    if fragments:
        text = _CANDIDATE.sub(lambda m: _hide_fragments(m[0], fragments), text)
    return text


def _hide_fragments(word: str, fragments: frozenset[str]) -> str:
    """Replace every stretch of ``word`` that is made of pieces of a registered secret."""
    covered = [False] * len(word)
    hit = False
    for start in range(len(word) - MIN_FRAGMENT + 1):
        if word[start : start + MIN_FRAGMENT] in fragments:
            hit = True
            for i in range(start, start + MIN_FRAGMENT):
                covered[i] = True
    if not hit:
        return word
    out: list[str] = []
    previous = False
    for char, hidden in zip(word, covered, strict=True):
        if not hidden:
            out.append(char)
        elif not previous:
            out.append(REDACTED)
        previous = hidden
    return "".join(out)


def format_exception_redacted(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> str:
    """A traceback as text, with secrets redacted (for crash screens and reports)."""
    return redact("".join(traceback.format_exception(exc_type, exc, tb)))


def _sanitize(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place so no handler, filter or test can read a secret from it."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep logging's own error path
        message = f"{record.msg!r} {record.args!r}"
    record.msg = redact(message)
    record.args = ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = format_exception_redacted(*record.exc_info).rstrip("\n")
        # The exception object itself may carry the secret: drop it once rendered.
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """Redacts each record in place (message, arguments, exception, stack); never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        _sanitize(record)
        return True


class RedactingFormatter(logging.Formatter):
    """Wraps another formatter and redacts its final output, tracebacks included."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))

    def formatException(self, ei: Any) -> str:
        return redact(self.inner.formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(self.inner.formatStack(stack_info))


_previous_factory: Callable[..., logging.LogRecord] | None = None
"""The record factory ours wraps (to put back on uninstall)."""
_installed_factory: Callable[..., logging.LogRecord] | None = None
"""Ours, as installed: whether it is still the one in place is asked of logging itself."""


def _install_record_factory() -> None:
    """Redact every record as it is created, so handlers added later are covered as well."""
    global _previous_factory, _installed_factory
    with _lock:
        previous = logging.getLogRecordFactory()
        if previous is _installed_factory:
            return  # ours is in place (another may have replaced it since: then wrap that)

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _sanitize(record)
            return record

        logging.setLogRecordFactory(factory)
        _previous_factory, _installed_factory = previous, factory


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Make ``logger`` (default: the root logger) and its handlers unable to emit a secret.

    Adds a :class:`RedactingFilter` to the logger and to each of its handlers, wraps each
    handler's formatter in a :class:`RedactingFormatter`, and installs a process-wide log
    record factory that redacts records as they are made. Safe to call more than once;
    call it again after adding handlers so their final output is redacted too.
    """
    target = logger if logger is not None else logging.getLogger()
    _install_record_factory()
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter))


def uninstall_log_redaction(logger: logging.Logger | None = None) -> None:
    """Undo :func:`install_log_redaction` (for tests that must leave logging as they found it)."""
    global _previous_factory, _installed_factory
    target = logger if logger is not None else logging.getLogger()
    for owner in (target, *target.handlers):
        for flt in [f for f in owner.filters if isinstance(f, RedactingFilter)]:
            owner.removeFilter(flt)
    for handler in target.handlers:
        if isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(handler.formatter.inner)
    with _lock:
        if _previous_factory is not None and logging.getLogRecordFactory() is _installed_factory:
            logging.setLogRecordFactory(_previous_factory)
        _previous_factory = _installed_factory = None


def redacting_excepthook(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    *,
    stream: TextIO | None = None,
) -> None:
    """A ``sys.excepthook`` that prints the usual traceback with secrets redacted."""
    out = stream if stream is not None else sys.stderr
    text = format_exception_redacted(exc_type, exc, tb)
    if _is_terminal(out):
        # An exception message can quote a stranger's text: no escape reaches the terminal.
        text = for_terminal(text)
    out.write(text)
    out.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    sys.stderr.write(format_exception_redacted(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.flush()


def install_excepthook() -> None:
    """Route uncaught exceptions (main thread and others) through the redacting hook."""
    sys.excepthook = redacting_excepthook
    threading.excepthook = _thread_hook
