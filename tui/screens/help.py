"""The help screen: every key binding, its id (for [keymap]) and what it does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.safe import safe

__all__ = ["BindingInfo", "HelpScreen", "collect_bindings"]


AREA_TITLES = {
    "app": "Everywhere",
    "main": "Tabs",
    "list": "Lists",
    "table": "Tables",
    "options": "Menus",
    "inbox": "Inbox",
    "search": "Search",
    "conversation": "Conversation",
    "history": "History",
    "composer": "Composer",
    "profiles": "Profiles",
    "filters": "Filters",
    "privacy": "Privacy",
    "activity": "Activity",
}
"""Group titles of the help, by the first part of a binding id."""


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

    def __init__(
        self,
        bindings: list[BindingInfo],
        *,
        here: Sequence[str] = (),
        clashes: Sequence[str] = (),
        config_hint: str = "config.toml",
    ) -> None:
        super().__init__(id="help")
        self.bindings = bindings
        self.here = list(here)
        """Areas (``inbox``, ``list``, ``main``...) in reach where help was asked, nearest
        first: their keys are listed first."""
        self.clashes = list(clashes)
        """Keymap lines that give one key to two bindings in reach, shown on top."""
        self.config_hint = config_hint

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(self._table(), id="help-table")
            yield Static(
                safe(f"Remap any key under [keymap] in {self.config_hint}", max_chars=300),
                id="help-hint",
            )

    def _table(self) -> Content:
        width = max((len(info.keys) for info in self.bindings), default=4) + 2
        id_width = max((len(info.id) for info in self.bindings), default=4) + 2
        clashed = {part.strip("'") for line in self.clashes for part in line.split() if "." in part}
        groups: dict[str, list[BindingInfo]] = {}
        for info in self.bindings:
            groups.setdefault(info.id.split(".", 1)[0], []).append(info)
        here = [area for area in self.here if area in groups]
        elsewhere = sorted(area for area in groups if area not in here)
        lines: list[Content] = []
        if self.clashes:
            lines.append(Content.styled("Key clashes: fix them under [keymap]", "bold $error"))
            lines += [safe(f"  {line}", style="$error", max_chars=300) for line in self.clashes]
            lines.append(Content(""))
        for title, areas in (("On this screen", here), ("Elsewhere", elsewhere)):
            if not areas:
                continue
            lines.append(Content.styled(title, "bold underline"))
            for area in areas:
                lines.append(Content.styled(f" {AREA_TITLES.get(area, area)}", "bold $primary"))
                for info in groups[area]:
                    mark = ("  ⚠ clash", "bold $error") if info.id in clashed else ""
                    lines.append(
                        Content.assemble(
                            (info.keys.ljust(width), "$accent bold"),
                            info.description.ljust(24),
                            (info.id.rjust(id_width), "$text-muted"),
                            mark,
                        )
                    )
            lines.append(Content(""))
        return Content("\n").join(lines[:-1] if lines and not lines[-1].plain else lines)
