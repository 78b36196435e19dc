"""A long message read in full: the conversation shows 4,000 characters, this shows all."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import TextArea

from tui.domain.safetext import sanitize
from tui.screens.reader import ReaderScreen

__all__ = ["FullTextScreen"]


class FullTextScreen(ReaderScreen):
    """The whole text, read-only and wrapped, controls shown as markers; escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="full-text.close"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def title_line(self) -> str:
        title = sanitize(self.title_text, max_chars=80, single_line=True)
        return f"{title} · {len(self.text):,} characters · escape: close"

    def body(self) -> Widget:
        # Stranger's text: every control becomes a visible marker, nothing is cut.
        return TextArea(
            sanitize(self.text, max_chars=len(self.text)),
            read_only=True,
            soft_wrap=True,
            show_line_numbers=False,
            id="full-text",
        )
