"""The help screen: every key binding, its id (for [keymap]) and what it does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["BindingInfo", "HelpScreen", "collect_bindings"]


@dataclass(frozen=True)
class BindingInfo:
    """One line of the help: where a binding lives, its id, its keys, what it does."""

    id: str
    keys: str
    description: str


def collect_bindings(
    app: App[Any], owners: Iterable[type[DOMNode]], keymap: Mapping[str, str]
) -> list[BindingInfo]:
    """Every binding with an id declared by ``owners``, with the keys ``keymap`` gives it."""
    keys_by_id: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for owner in owners:
        # make_bindings splits "j,down" into one Binding per key, all with the same id.
        for binding in Binding.make_bindings(owner.BINDINGS):
            if binding.id is None:
                continue
            keys = keys_by_id.setdefault(binding.id, [])
            if binding.key not in keys:
                keys.append(binding.key)
            described.setdefault(binding.id, binding.description)
    by_id: dict[str, BindingInfo] = {}
    for binding_id, default_keys in keys_by_id.items():
        keys = keymap[binding_id].split(",") if binding_id in keymap else default_keys
        shown = ", ".join(app.get_key_display(Binding(key.strip(), "")) for key in keys)
        by_id[binding_id] = BindingInfo(binding_id, shown, described[binding_id])
    return sorted(by_id.values(), key=lambda info: info.id)


class HelpScreen(ModalScreen[None]):
    """Lists every binding; escape, q or ? close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        #help-box {
            width: 76;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        #help-title { text-style: bold; color: $accent; }
        #help-scroll { height: auto; max-height: 30; }
        #help-table { height: auto; }
        #help-hint { color: $text-muted; }
    }
    """

    def __init__(self, bindings: list[BindingInfo]) -> None:
        super().__init__(id="help")
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(self._table(), id="help-table")
            yield Static(Content("Remap any key under [keymap] in config.toml"), id="help-hint")

    def _table(self) -> Content:
        width = max((len(info.keys) for info in self.bindings), default=4) + 2
        id_width = max((len(info.id) for info in self.bindings), default=4) + 2
        lines = [
            Content.assemble(
                (info.keys.ljust(width), "$accent bold"),
                info.description.ljust(24),
                (info.id.rjust(id_width), "$text-muted"),
            )
            for info in self.bindings
        ]
        return Content("\n").join(lines)
