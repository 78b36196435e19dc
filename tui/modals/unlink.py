"""Unlinking an account: a confirmation that names it and asks about its local messages."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.config import AccountConfig
from tui.widgets.safe import safe

__all__ = ["UnlinkScreen"]


class UnlinkScreen(ModalScreen[bool | None]):
    """Dismissed with ``False`` (unlink, keep messages), ``True`` (unlink and purge) or
    ``None`` (cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "answer(False)", "Unlink, keep messages", id="unlink.keep"),
        Binding("P", "answer(True)", "Unlink and purge", id="unlink.purge"),
        Binding("escape,n", "answer(None)", "Cancel", id="unlink.cancel"),
    ]
    DEFAULT_CSS = """
    UnlinkScreen {
        align: center middle;
        & > Vertical {
            width: 72;
            height: auto;
            border: thick $error 60%;
            background: $surface;
            padding: 1 2;
        }
    }
    """

    def __init__(self, account: AccountConfig, counts: tuple[int, int]) -> None:
        super().__init__()
        self.account = account
        self.counts = counts

    def compose(self) -> ComposeResult:
        account = self.account
        conversations, messages = self.counts
        name = account.name or account.id
        with Vertical():
            yield Static(
                Content.assemble(
                    Content.styled("Unlink ", "bold"),
                    safe(name, style="bold", max_chars=60, single_line=True),
                    Content.styled(f" ({account.id}, {account.platform.value})?", "bold"),
                ),
                id="unlink-title",
            )
            yield Static(
                f"Sync stops; the account leaves config.toml and its token leaves "
                f"secrets.toml. Linkdeck holds {conversations} conversations and {messages} "
                "messages of it on this machine.\n\n"
                "k    unlink, keep the local messages (still searchable)\n"
                "P    unlink and purge its local messages for good\n"
                "esc  cancel",
                id="unlink-body",
            )

    def action_answer(self, purge: bool | None) -> None:
        self.dismiss(purge)
