"""Rule patterns: written by the user, run against strangers' text, in linear time.

Python's ``re`` backtracks: ``(a+)+$`` against 34 letters ``a`` and one ``!`` takes
minutes, and a rule runs on every incoming message. Patterns are compiled with RE2
(the ``google-re2`` binding), which matches in time linear in the text and refuses, at
compile time, what it cannot bound (back-references, look-arounds, huge repetitions).
A refused pattern is refused where it is written (the rule form, config.toml) and
never runs.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

import re2

__all__ = ["MAX_PATTERN_CHARS", "CompiledPattern", "PatternError", "compile_pattern", "problem"]

MAX_PATTERN_CHARS = 1000
"""A rule pattern longer than this is refused: it is a filter, not a program."""
_PROGRAM_MEMORY = 1 << 20
"""RE2's memory budget per pattern; a pattern that needs more (a{1000}{1000}) is refused."""


class CompiledPattern(Protocol):
    def search(self, text: str) -> Any: ...


class PatternError(ValueError):
    """The pattern cannot run in bounded time (or is not a pattern at all)."""


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would write its complaint straight onto the terminal
    options.max_mem = _PROGRAM_MEMORY
    return options


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> CompiledPattern:
    """A case-insensitive pattern that matches in linear time.

    Raises:
        PatternError: too long, or RE2 refuses it (with RE2's reason, e.g. a back-reference).
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        compiled: CompiledPattern = re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None
    return compiled


def problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused, or ``None`` when it can run."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None
