"""The dashboard's own log: recent records, redacted, every control shown as a marker."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Log

from tui.domain.safetext import sanitize
from tui.screens.reader import ReaderScreen
from tui.services.recent_log import install_recent_log

__all__ = ["LogScreen"]


class LogScreen(ReaderScreen):
    """Recent log records, newest at the bottom; escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,ctrl+l", "dismiss", "Close", id="log.close"),
    ]
    DEFAULT_CSS = """
    LogScreen > Vertical { height: 85%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._lines = install_recent_log().lines()

    def title_line(self) -> str:
        return f"Log: the last {len(self._lines)} records (tokens redacted) · escape: close"

    def body(self) -> Widget:
        return Log(id="log-lines", highlight=False)

    def on_mount(self) -> None:
        # Log lines quote platform errors and names: shown as text, controls as markers.
        self.query_one(Log).write_lines(
            sanitize(part, max_chars=2000, single_line=True)
            for line in self._lines or ["(nothing logged yet)"]
            for part in line.splitlines()
        )
