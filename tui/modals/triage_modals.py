"""Small dialogs of inbox triage: the snooze menu, the label editor, merge suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.domain.models import Conversation
from tui.widgets.inbox_rows import BADGES
from tui.widgets.safe import safe
from tui.widgets.vim import VimOptionList

__all__ = [
    "MAX_LABELS",
    "LabelEditor",
    "MergeSuggestions",
    "SnoozeMenu",
    "parse_labels",
    "snooze_choices",
]

MAX_LABELS = 12
MAX_LABEL_CHARS = 32

ConversationKey = tuple[str, str]

_MODAL_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 64;
        max-width: 90%;
        height: auto;
        max-height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }}
    & Label {{ width: 1fr; margin-bottom: 1; }}
    & OptionList {{ height: auto; max-height: 16; }}
}}
"""


def snooze_choices(now: datetime) -> list[tuple[str, datetime]]:
    """The snooze menu for ``now`` (a local, timezone-aware time): label and wake-up time.

    "This evening" is 18:00 today, or one hour from now once 18:00 has passed;
    "next week" is the coming Monday at 9:00.
    """
    evening = now.replace(hour=18, minute=0, second=0, microsecond=0)
    if evening <= now:
        evening = now + timedelta(hours=1)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    tomorrow = nine + timedelta(days=1)
    monday = nine + timedelta(days=7 - now.weekday())
    choices = [
        ("1 hour", now + timedelta(hours=1)),
        ("This evening", evening),
        ("Tomorrow 9:00", tomorrow),
        ("Next week (Monday 9:00)", monday),
    ]
    # Soonest first: just before six, "1 hour" wakes later than "This evening".
    return sorted(choices, key=lambda choice: choice[1])


def parse_labels(text: str) -> list[str]:
    """Comma-separated labels, trimmed, without repeats or empties, each kept short."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        label = " ".join(part.split())[:MAX_LABEL_CHARS]
        if label:
            seen[label] = None
    return list(seen)[:MAX_LABELS]


class SnoozeMenu(ModalScreen[datetime | None]):
    """Pick when a conversation comes back; the digits 1 to 4 pick at once."""

    DEFAULT_CSS = _MODAL_CSS.format(name="SnoozeMenu")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="snooze.cancel"),
    ]

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.choices = snooze_choices(now)
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Snooze until…")
            yield VimOptionList(
                *(
                    Option(
                        Content.assemble(
                            (f"{n}  ", "$accent bold"),
                            label.ljust(26),
                            (self._when(moment), "$muted-text"),
                        )
                    )
                    for n, (label, moment) in enumerate(self.choices, start=1)
                ),
                id="snooze-options",
            )

    def _when(self, moment: datetime) -> str:
        if moment.date() == self.now.date():
            return f"{moment:%H:%M}"
        return f"{moment:%a %d %b %H:%M}"

    def on_key(self, event: events.Key) -> None:
        # Digits are not bindings: as ids they would seem to clash with the tab keys 1-5,
        # which this modal screen hides anyway.
        if event.character is not None and event.character in "1234":
            event.stop()
            self.action_pick(int(event.character) - 1)

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.dismiss(self.choices[index][1])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option_index)


class LabelEditor(ModalScreen[list[str] | None]):
    """Edit a conversation's labels as one comma-separated line."""

    DEFAULT_CSS = _MODAL_CSS.format(name="LabelEditor")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="labels.cancel"),
    ]

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__()
        self.labels = list(labels)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Labels, separated by commas (enter saves, esc cancels)")
            yield Input(
                ", ".join(self.labels),
                placeholder="e.g. order, vip",
                id="labels-input",
                max_length=400,
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(parse_labels(event.value))


def _side(conversation: Conversation) -> Content:
    return Content.assemble(
        (BADGES.get(conversation.platform, "??"), "bold"),
        " ",
        safe(conversation.account_id, style="$muted-text", max_chars=20, single_line=True),
        " ",
        safe(conversation.customer.display_name, max_chars=40, single_line=True),
    )


class MergeSuggestions(ModalScreen[tuple[ConversationKey, ConversationKey] | None]):
    """Conversations with the same name on different accounts: enter links a pair."""

    DEFAULT_CSS = _MODAL_CSS.format(name="MergeSuggestions").replace("width: 64", "width: 96")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="merge.cancel"),
    ]

    def __init__(self, pairs: Sequence[tuple[Conversation, Conversation]]) -> None:
        super().__init__()
        self.pairs = list(pairs)

    def compose(self) -> ComposeResult:
        with Vertical():
            if not self.pairs:
                yield Label("No suggestions: no two accounts share a customer name.")
                return
            yield Label("Same person? Enter links the pair; esc closes.")
            yield VimOptionList(
                *(
                    Option(Content.assemble(_side(a), ("  ⇄  ", "$accent"), _side(b)))
                    for a, b in self.pairs
                ),
                id="merge-options",
            )

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        a, b = self.pairs[event.option_index]
        self.dismiss(((a.account_id, a.remote_id), (b.account_id, b.remote_id)))
