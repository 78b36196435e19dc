"""A long message read in full: the conversation shows 4,000 characters, this shows all."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tui.domain.safetext import sanitize

__all__ = ["FullTextScreen"]


class FullTextScreen(ModalScreen[None]):
    """The whole text, read-only and wrapped, controls shown as markers; escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="full-text.close"),
    ]
    DEFAULT_CSS = """
    FullTextScreen {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 90%;
            border: thick $primary 60%;
            background: $surface;
        }
        #full-text-title { padding: 0 1; }
        TextArea { height: 1fr; }
    }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"{sanitize(self.title_text, max_chars=80, single_line=True)} · "
                f"{len(self.text):,} characters · escape: close",
                id="full-text-title",
                markup=False,
            )
            # Stranger's text: every control becomes a visible marker, nothing is cut.
            yield TextArea(
                sanitize(self.text, max_chars=len(self.text)),
                read_only=True,
                soft_wrap=True,
                show_line_numbers=False,
                id="full-text",
            )
