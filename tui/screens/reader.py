"""A read-only modal: a one-line title over one scrolling body; escape (or q) closes it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

__all__ = ["ReaderScreen"]


class ReaderScreen(ModalScreen[None]):
    """The frame shared by the full-text reader and the log view.

    A subclass gives the title line and the body widget; the body fills the frame.
    """

    DEFAULT_CSS = """
    ReaderScreen {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 90%;
            border: thick $primary 60%;
            background: $surface;
        }
        .reader-title { padding: 0 1; }
        .reader-body { height: 1fr; }
    }
    """

    def title_line(self) -> str:
        raise NotImplementedError

    def body(self) -> Widget:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        body = self.body()
        body.add_class("reader-body")
        with Vertical():
            # Plain text: titles quote names and dates that strangers may have written.
            yield Static(self.title_line(), classes="reader-title", markup=False)
            yield body
