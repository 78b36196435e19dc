"""Collects problems found while validating a config file, and says what was expected."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

__all__ = ["Checker", "Problem", "locate"]


@dataclass(frozen=True)
class Problem:
    """Something wrong in a config file; the app runs on defaults for that part."""

    file: Path
    message: str
    line: int | None = None
    column: int | None = None
    key: str | None = None
    """Dotted key path such as ``ui.poll_seconds`` or ``accounts[1].platform``."""
    severity: str = "error"
    """``error`` (a value was ignored) or ``warning`` (kept but not understood)."""

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        key = f"{self.key}: " if self.key else ""
        return f"{where}: {key}{self.message}"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_.\-\s]+?|\"[^\"]*\"|'[^']*')\s*=")
_ACCOUNT_LABEL = re.compile(r" \([^)]*\)")


def _plain_key(raw: str) -> str:
    """``"inbox.refresh"`` and ``ui . theme`` as the dotted path they stand for."""
    raw = raw.strip()
    if raw[:1] in "\"'" and raw[-1:] == raw[:1]:
        return raw[1:-1]
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


def locate(problems: list[Problem], text: str) -> list[Problem]:
    """Add line and column to problems whose key can be found in ``text``.

    A light scan of headers and ``key =`` lines, enough for the layouts people write;
    keys inside multi-line inline tables are left without a position.
    """
    positions: dict[str, tuple[int, int]] = {}
    context = ""
    seen_arrays: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = _plain_key(header[2])
            if header[1] == "[[":
                index = seen_arrays.get(name, -1) + 1
                seen_arrays[name] = index
                # A sub-table of an array element lives under that element's index.
                name = f"{name}[{index}]"
            else:
                for array, index in seen_arrays.items():
                    if name.startswith(array + "."):
                        name = f"{array}[{index}]{name[len(array) :]}"
            context = name
            positions.setdefault(name, (number, line.index("[") + 1))
            continue
        key = _KEY.match(line)
        if key:
            path = f"{context}.{_plain_key(key[2])}" if context else _plain_key(key[2])
            positions.setdefault(path, (number, len(key[1]) + 1))
    located: list[Problem] = []
    for problem in problems:
        where = positions.get(_ACCOUNT_LABEL.sub("", problem.key or ""))
        if where and problem.line is None:
            problem = replace(problem, line=where[0], column=where[1])
        located.append(problem)
    return located


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return type(value).__name__


class Checker:
    """Collects problems while reading plain (unwrapped) TOML data; never echoes values."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def error(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, message, key=key))

    def warn(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, message, key=key, severity="warning"))

    def wrong(self, key: str, expected: str, value: object, default: object) -> None:
        self.error(key, f"expected {expected}, found {_type_name(value)}; using {default!r}")

    def unknown(self, prefix: str, table: Mapping[str, Any], known: tuple[str, ...]) -> None:
        for name in table:
            if name not in known:
                self.warn(f"{prefix}{name}", "unknown key (kept in the file, ignored)")

    def table(self, data: Mapping[str, Any], name: str, key: str) -> Mapping[str, Any]:
        value = data.get(name, {})
        if isinstance(value, Mapping):
            return value
        self.wrong(key, "a table", value, {})
        return {}

    def string(self, data: Mapping[str, Any], name: str, key: str, default: Any) -> Any:
        value = data.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        self.wrong(key, "a string", value, default)
        return default

    def boolean(self, data: Mapping[str, Any], name: str, key: str, default: bool) -> bool:
        value = data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.wrong(key, "a boolean (true or false)", value, default)
        return default

    def number(
        self,
        data: Mapping[str, Any],
        name: str,
        key: str,
        default: Any,
        allowed: tuple[float, float],
        *,
        whole: bool = True,
        unit: str = "",
    ) -> Any:
        """A number inside ``allowed`` (inclusive); outside it, the default and a problem.

        Every number in config.toml has a range: a value near 2**63 or 10**12 would pass a
        type check and then overflow a timer or a date deep inside a worker.
        """
        value = data.get(name)
        if value is None:
            return default
        low, high = allowed
        what = f"a whole number from {low:g} to {high:g}" if whole else f"{low:g} to {high:g}"
        what += f" {unit}" if unit else ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.wrong(key, what, value, default)
            return default
        if whole and not isinstance(value, int):
            self.wrong(key, what, value, default)
            return default
        if not low <= value <= high:  # also false for nan
            self.error(key, f"out of range: expected {what}; using {default!r}")
            return default
        return value

    def strings(self, data: Mapping[str, Any], name: str, key: str) -> tuple[str, ...]:
        value = data.get(name)
        if value is None:
            return ()
        if isinstance(value, str):  # a lone string means a list of one
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.wrong(key, "an array of strings", value, [])
        return ()
