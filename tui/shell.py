"""The dashboard's first frame: header, tab bar and "Loading…", drawn before anything heavy.

``linkdeck`` paints this screen first and only then imports the panes, the services, the
store and the network clients and opens them (see ``DashboardApp(loader=...)``); the
dashboard screen replaces it when they are ready. This module imports textual and our
small widgets only (``tests/unit/test_startup_imports.py`` keeps it that way).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, Tab, Tabs

from tui.messages import TAB_IDS, TAB_TITLES
from tui.widgets.safe import safe

__all__ = ["LOADING_TEXT", "ShellHeader", "ShellScreen", "tab_label"]

LOADING_TEXT = "Loading…"


def tab_label(app: App[object], tab: str) -> Content:
    """``1 Inbox``: the title with the key that shows it (after any [keymap] change)."""
    keymap: Mapping[str, str] = getattr(app, "keymap", {})
    default = str(TAB_IDS.index(tab) + 1)
    key = keymap.get(f"main.{tab}", default).split(",")[0].strip()
    shown = app.get_key_display(Binding(key, ""))
    return Content.assemble(
        safe(shown, style="$accent", max_chars=12, single_line=True), " ", TAB_TITLES[tab]
    )


class ShellHeader(Horizontal):
    """The header line as ``StatusLine`` draws it before any account state is known.

    Not ``StatusLine`` itself: that imports the domain models, which the first frame
    does without."""

    DEFAULT_CSS = """
    ShellHeader {
        height: 1;
        dock: top;
        background: $panel;
        color: $foreground;
        #shell-title {
            width: auto;
            padding: 0 1;
            background: $primary;
            color: $text;
            text-style: bold;
        }
        #shell-accounts {
            width: 1fr;
            padding: 0 1;
            color: $muted-text;
        }
    }
    """

    def __init__(self, placeholder: str) -> None:
        super().__init__(id="shell-header")
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Static("Linkdeck", id="shell-title")
        yield Static(self.placeholder, id="shell-accounts")


class ShellScreen(Screen[None]):
    """What the dashboard looks like while it loads: the same header and tab bar, no panes."""

    DEFAULT_CSS = """
    ShellScreen {
        layout: vertical;
        #shell-loading {
            height: 1fr;
            padding: 1 2;
            color: $muted-text;
        }
    }
    """

    def __init__(self, *, demo: bool = False) -> None:
        super().__init__(id="shell")
        self.demo = demo

    def compose(self) -> ComposeResult:
        yield ShellHeader("demo" if self.demo else "starting")
        yield Tabs(*(Tab(tab_label(self.app, tab), id=tab) for tab in TAB_IDS), active="inbox")
        yield Static(LOADING_TEXT, id="shell-loading")
