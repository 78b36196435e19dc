"""The dashboard's own log: recent records, redacted, every control shown as a marker."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Log, Static

from tui.domain.safetext import sanitize
from tui.services.recent_log import install_recent_log

__all__ = ["LogScreen"]


class LogScreen(ModalScreen[None]):
    """Recent log records, newest at the bottom; escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,ctrl+l", "dismiss", "Close", id="log.close"),
    ]
    DEFAULT_CSS = """
    LogScreen {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 85%;
            border: thick $primary 60%;
            background: $surface;
        }
        #log-title { padding: 0 1; }
        Log { height: 1fr; }
    }
    """

    def compose(self) -> ComposeResult:
        self._lines = install_recent_log().lines()
        with Vertical():
            yield Static(
                f"Log: the last {len(self._lines)} records (tokens redacted) · escape: close",
                id="log-title",
                markup=False,
            )
            yield Log(id="log-lines", highlight=False)

    def on_mount(self) -> None:
        # Log lines quote platform errors and names: shown as text, controls as markers.
        self.query_one(Log).write_lines(
            sanitize(part, max_chars=2000, single_line=True)
            for line in self._lines or ["(nothing logged yet)"]
            for part in line.splitlines()
        )
