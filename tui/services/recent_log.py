"""The last log records, kept in memory (redacted) so the dashboard can show its own log."""

from __future__ import annotations

import logging
import threading
from collections import deque

from tui.config.redact import RedactingFilter, RedactingFormatter

__all__ = ["KEEP", "RecentLog", "install_recent_log"]

KEEP = 1000
"""How many records are kept; older ones drop off."""


class RecentLog(logging.Handler):
    """A bounded, thread-safe list of formatted, redacted log lines."""

    def __init__(self, keep: int = KEEP) -> None:
        super().__init__(logging.INFO)
        self._lines: deque[str] = deque(maxlen=keep)
        self._guard = threading.Lock()
        self.addFilter(RedactingFilter())
        self.setFormatter(
            RedactingFormatter(
                logging.Formatter(
                    "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
                )
            )
        )

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        with self._guard:
            self._lines.append(line)

    def lines(self) -> list[str]:
        """Every kept line, oldest first (a traceback stays one multi-line entry)."""
        with self._guard:
            return list(self._lines)


_installed: RecentLog | None = None


def install_recent_log() -> RecentLog:
    """The process's :class:`RecentLog`, attached to the root logger.

    Attached again if something replaced the root's handlers since (a logging setup that
    assigns ``root.handlers``, a test harness restoring its own): a detached log would
    silently show nothing.
    """
    global _installed
    if _installed is None:
        _installed = RecentLog()
    root = logging.getLogger()
    if _installed not in root.handlers:
        root.addHandler(_installed)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # One line per HTTP request would push everything else out of the kept records.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return _installed
