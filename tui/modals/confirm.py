"""One confirm dialog: a title, a body, the keys that answer it; every yes/no question uses it.

Textual keeps key bindings on the class (the keymap and the help screen read them there),
so each question is a small subclass that only names its keys and builds its text; the
layout, the look and the answering live here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.adapters.errors import localize_moments
from tui.config import AccountConfig
from tui.domain import OutboxItem
from tui.widgets.safe import safe

__all__ = ["ConfirmModal", "ConfirmRetry", "ConfirmScreen", "UnlinkScreen"]

ResultT = TypeVar("ResultT")

Part = tuple[str | Content, str | None]
"""One block of the dialog's text and its widget id (``None``: no id)."""


class ConfirmModal(ModalScreen[ResultT]):
    """A question dismissed with the value of the key pressed (``action_answer(value)``).

    ``parts`` are the dialog's blocks top to bottom; ``keys`` (the line naming the keys,
    e.g. ``"y: yes    n: no"``) ends the last block after a blank line. The classes
    ``-warning`` (round, the plain question) and ``-wide`` pick the frame.
    """

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
        & > Vertical {
            width: 64;
            height: auto;
            border: thick $error 60%;
            background: $surface;
            padding: 1 2;
        }
        &.-warning > Vertical { border: round $warning; max-width: 100%; }
        &.-wide > Vertical { width: 72; }
    }
    """

    def __init__(self, parts: Sequence[Part], keys: str = "", *, classes: str = "") -> None:
        super().__init__(classes=classes)
        self.parts = list(parts)
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical():
            last = len(self.parts) - 1
            for index, (text, widget_id) in enumerate(self.parts):
                if index == last and self.keys:
                    text = Content.assemble(text, f"\n\n{self.keys}")
                yield Static(text, id=widget_id)

    def action_answer(self, value: ResultT) -> None:
        self.dismiss(value)


class ConfirmScreen(ConfirmModal[bool]):
    """A yes/no question; ``y`` confirms, ``n`` or escape declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="ask.yes"),
        Binding("n,escape", "answer(False)", "No", id="ask.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__([(safe(question), None)], "y: yes    n: no", classes="-warning")
        self.question = question


class ConfirmRetry(ConfirmModal[bool]):
    """Asks before sending a failed reply again (the platform may have got it after all)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Retry", id="retry.yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="retry.no"),
    ]

    def __init__(self, item: OutboxItem) -> None:
        why = Content.assemble(
            "It " if item.needs_user else "It failed with: ",
            safe(localize_moments(item.error or "no reason given"), max_chars=300),
            "\nIf the platform did receive it, the customer may see it twice.",
        )
        super().__init__(
            [
                (Content.styled("Send this reply again?", "bold"), None),
                (safe(item.text, max_chars=300), "confirm-text"),
                (why, None),
            ],
            "y: retry   n: cancel",
        )
        self.item = item


class UnlinkScreen(ConfirmModal[bool | None]):
    """Unlinking an account: names it and asks about its local messages.

    Dismissed with ``False`` (unlink, keep messages), ``True`` (unlink and purge) or
    ``None`` (cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "answer(False)", "Unlink, keep messages", id="unlink.keep"),
        Binding("P", "answer(True)", "Unlink and purge", id="unlink.purge"),
        Binding("escape,n", "answer(None)", "Cancel", id="unlink.cancel"),
    ]

    def __init__(self, account: AccountConfig, counts: tuple[int, int]) -> None:
        conversations, messages = counts
        name = account.name or account.id
        title = Content.assemble(
            Content.styled("Unlink ", "bold"),
            safe(name, style="bold", max_chars=60, single_line=True),
            Content.styled(f" ({account.id}, {account.platform.value})?", "bold"),
        )
        body = (
            f"Sync stops; the account leaves config.toml and its token leaves "
            f"secrets.toml. Linkdeck holds {conversations} conversations and {messages} "
            "messages of it on this machine."
        )
        super().__init__(
            [(title, "unlink-title"), (body, "unlink-body")],
            "k    unlink, keep the local messages (still searchable)\n"
            "P    unlink and purge its local messages for good\n"
            "esc  cancel",
            classes="-wide",
        )
        self.account = account
        self.counts = counts
