"""The dashboard screen: status header, the five tabs, and the footer of keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane

from tui.messages import TAB_IDS, ShowTab
from tui.widgets.empty_state import EmptyState, demo_waiting_text, no_account_text
from tui.widgets.safe import safe
from tui.widgets.status_line import AccountStatus, StatusLine
from tui.widgets.virtual_list import AsyncRowSource, RowSource, VirtualList

__all__ = ["TAB_TITLES", "AccountStatus", "MainScreen", "StatusSource"]

TAB_TITLES = {
    "inbox": "Inbox",
    "profiles": "Profiles",
    "filters": "Filters",
    "privacy": "Privacy",
    "activity": "Activity",
}


class StatusSource(Protocol):
    """Where the header reads the accounts' states at start (the sync engine, later)."""

    def account_statuses(self) -> Sequence[AccountStatus]: ...

    def total_unread(self) -> int: ...

    def dnd(self) -> bool: ...


class PendingPane(EmptyState):
    """Stands in for a tab whose contents are built in a later step."""


class MainScreen(Screen[None]):
    """Header line of account states, the tabs (keys 1 to 5), and a footer of keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # The tab bar itself shows these keys, so the footer keeps its room for the focused area.
        Binding(str(number), f"show_tab('{tab}')", TAB_TITLES[tab], id=f"main.{tab}", show=False)
        for number, tab in enumerate(TAB_IDS, start=1)
    ]

    def __init__(
        self,
        *,
        status: StatusSource | None = None,
        inbox_source: RowSource | AsyncRowSource | None = None,
        demo: bool = False,
    ) -> None:
        super().__init__(id="main")
        self.status = status
        self.inbox_source = inbox_source
        self.demo = demo

    def compose(self) -> ComposeResult:
        yield StatusLine("demo" if self.demo else "no account linked", id="status-line")
        with TabbedContent(initial="inbox", id="tabs"):
            with TabPane(self._tab_label("inbox"), id="inbox"):
                yield self._inbox_body()
            for tab in TAB_IDS[1:]:
                with TabPane(self._tab_label(tab), id=tab):
                    yield PendingPane(
                        f"{TAB_TITLES[tab]}: arrives in a later step of this build.",
                        id=f"{tab}-pending",
                    )
        yield Footer(compact=True)

    def _tab_label(self, tab: str) -> Content:
        """``1 Inbox``: the title with the key that shows it (after any [keymap] change)."""
        keymap: Mapping[str, str] = getattr(self.app, "keymap", {})
        default = str(TAB_IDS.index(tab) + 1)
        key = keymap.get(f"main.{tab}", default).split(",")[0].strip()
        shown = self.app.get_key_display(Binding(key, ""))
        return Content.assemble(
            safe(shown, style="$accent", max_chars=12, single_line=True), " ", TAB_TITLES[tab]
        )

    def _inbox_body(self) -> Widget:
        if self.inbox_source is not None:
            return VirtualList(self.inbox_source, id="inbox-list")
        if self.demo:
            return EmptyState(demo_waiting_text(), id="inbox-empty")
        return EmptyState(no_account_text(), id="inbox-empty")

    def on_mount(self) -> None:
        if self.status is not None:
            self.update_status(
                self.status.account_statuses(), self.status.total_unread(), self.status.dnd()
            )
        # TabbedContent mounts its panes after this screen's Mount: focus once they exist.
        self.call_after_refresh(self._focus_tab, "inbox")

    def update_status(
        self, statuses: Sequence[AccountStatus], total_unread: int, dnd: bool
    ) -> None:
        """Redraw the header line with the accounts' latest states."""
        self.query_one(StatusLine).update_status(statuses, total_unread, dnd)

    def action_show_tab(self, tab: str) -> None:
        """Bring a tab to the front and focus what is in it."""
        if tab not in TAB_TITLES:
            return
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    @on(ShowTab)
    def _show_requested_tab(self, message: ShowTab) -> None:
        message.stop()
        self.action_show_tab(message.tab)

    def _focus_tab(self, tab: str) -> None:
        try:
            pane = self.query_one(f"#{tab}", TabPane)
        except NoMatches:
            return
        target = next((w for w in pane.query("*") if w.focusable), None)
        if target is not None:
            target.focus()
        else:
            self.set_focus(None)
