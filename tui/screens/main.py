"""The dashboard screen: status header, the five tabs, and the footer of keys."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane

from tui.domain import AccountState, AccountStatus
from tui.domain.safetext import sanitize
from tui.messages import TAB_IDS, OpenConversation, OpenPerson, ShowTab
from tui.panes.activity import ActivityPane
from tui.panes.base import RuntimePane
from tui.panes.filters import FiltersPane
from tui.panes.inbox import InboxPane
from tui.panes.privacy import PrivacyPane
from tui.panes.profiles import ProfilesPane
from tui.screens.alerts import Alerts
from tui.screens.conversation import ConversationScreen
from tui.services.events import (
    AccountStateChanged,
    AlertsRaised,
    ConversationsChanged,
    Event,
    MessagesArrived,
)
from tui.services.notifier import dnd_active, save_dnd
from tui.services.runtime import Runtime
from tui.services.supervise import supervised
from tui.widgets.empty_state import EmptyState, demo_waiting_text, no_account_text
from tui.widgets.safe import safe
from tui.widgets.status_line import StatusLine
from tui.widgets.virtual_list import AsyncRowSource, RowSource, VirtualList

__all__ = ["TAB_TITLES", "AccountStatus", "MainScreen", "StatusSource"]

TAB_TITLES = {
    "inbox": "Inbox",
    "profiles": "Profiles",
    "filters": "Filters",
    "privacy": "Privacy",
    "activity": "Activity",
}


log = logging.getLogger(__name__)


class StatusSource(Protocol):
    """Where the header reads the accounts' states at start (the sync engine, later)."""

    def account_statuses(self) -> Sequence[AccountStatus]: ...

    def total_unread(self) -> int: ...

    def dnd(self) -> bool: ...


PANES: dict[str, type[RuntimePane]] = {
    "inbox": InboxPane,
    "profiles": ProfilesPane,
    "filters": FiltersPane,
    "privacy": PrivacyPane,
    "activity": ActivityPane,
}


class MainScreen(Screen[None]):
    """Header line of account states, the tabs (keys 1 to 5), and a footer of keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # The tab bar itself shows these keys, so the footer keeps its room for the focused area.
        *(
            Binding(str(n), f"show_tab('{tab}')", TAB_TITLES[tab], id=f"main.{tab}", show=False)
            for n, tab in enumerate(TAB_IDS, start=1)
        ),
        # Not in the footer (room for the focused area); the header and Filters tab show it.
        Binding("ctrl+d", "toggle_dnd", "Do not disturb", id="main.dnd", show=False),
    ]

    def __init__(
        self,
        *,
        status: StatusSource | None = None,
        inbox_source: RowSource | AsyncRowSource | None = None,
        demo: bool = False,
        runtime: Runtime | None = None,
    ) -> None:
        super().__init__(id="main")
        self.status = status
        self.inbox_source = inbox_source
        self.demo = demo
        self.runtime = runtime
        self.stop = asyncio.Event()
        """Set on unmount: the sync engine, the outbox and the event loop wind down."""
        self.alerts = Alerts(self, runtime) if runtime is not None else None
        self._total_unread = 0

    def compose(self) -> ComposeResult:
        yield StatusLine("demo" if self.demo else "no account linked", id="status-line")
        with TabbedContent(initial="inbox", id="tabs"):
            with TabPane(self._tab_label("inbox"), id="inbox"):
                yield self._inbox_body()
            for tab in TAB_IDS[1:]:
                with TabPane(self._tab_label(tab), id=tab):
                    yield PANES[tab](self.runtime, id=f"{tab}-pane")
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
        if self.runtime is not None:
            return InboxPane(self.runtime, id="inbox-pane")
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
        if self.runtime is not None:
            self._refresh_header()
            self._count_unread()
            self.run_services()
            self.consume_events()

    def on_unmount(self) -> None:
        self.stop.set()

    # --- the services behind the screen ---------------------------------------------

    @work(group="unread", exit_on_error=False)
    async def _count_unread(self) -> None:
        """The header's unread total from the store at start, before any sync event."""
        if self.runtime is not None:
            self._total_unread = await self.runtime.store.total_unread(self.runtime.engine.clock())
            self._refresh_header()

    @work(group="services", exit_on_error=False)
    async def run_services(self) -> None:
        """The sync engine, the outbox and any extra task (demo traffic) until unmount."""
        runtime = self.runtime
        assert runtime is not None
        # A task that dies on an error is restarted and the user is told: never a
        # dashboard that looks alive while nothing syncs.
        named = [
            ("the sync engine", runtime.engine.run),
            ("the outbox", runtime.outbox.run),
            *(
                (getattr(extra, "__name__", "a background task"), extra)
                for extra in runtime.extra_tasks
            ),
        ]
        tasks = [
            asyncio.create_task(supervised(name, run, self.stop, on_failure=self._task_failed))
            for name, run in named
        ]
        try:
            await self.stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _task_failed(self, name: str, exc: BaseException, failures: int) -> None:
        what = sanitize(name, max_chars=60, single_line=True)
        self.notify(
            f"{what} stopped on an internal error ({type(exc).__name__}) and was restarted "
            f"({failures} so far). ctrl+l shows the log.",
            title="Internal error",
            severity="error",
            timeout=20,
            markup=False,
        )

    @work(group="events", exit_on_error=False)
    async def consume_events(self) -> None:
        """Every event of the engine and outbox: header, alerts, then each pane."""
        runtime = self.runtime
        assert runtime is not None
        queue = runtime.bus.subscribe()
        failures = 0
        try:
            while not self.stop.is_set():
                event = await queue.get()
                try:
                    await self.dispatch_event(event)
                except Exception as exc:
                    # One bad event must not end live updates for the rest of the session.
                    failures += 1
                    log.exception("handling %s failed", type(event).__name__)
                    if failures == 1 or failures % 100 == 0:
                        self._task_failed("Live updates", exc, failures)
        finally:
            runtime.bus.unsubscribe(queue)

    async def dispatch_event(self, event: Event) -> None:
        runtime = self.runtime
        if runtime is None:
            return
        if isinstance(event, MessagesArrived | ConversationsChanged):
            self._total_unread = await runtime.store.total_unread(runtime.engine.clock())
        if isinstance(event, AlertsRaised) and self.alerts is not None:
            self.alerts.on_raised(event)
        if isinstance(event, AccountStateChanged | MessagesArrived | ConversationsChanged):
            self._refresh_header()
        if isinstance(event, AccountStateChanged):
            self._warn_reauth(event.status)
        for pane in self.query(RuntimePane):
            pane.handle_event(event)

    def _warn_reauth(self, status: AccountStatus) -> None:
        """One toast when an account's token stops working (the engine reports it once)."""
        if status.state is not AccountState.NEEDS_REAUTH:
            return
        account = sanitize(status.account_id, max_chars=40, single_line=True)
        reason = sanitize(status.detail or "token invalid", max_chars=80, single_line=True)
        self.notify(
            f"{account} needs re-authentication ({reason}). Its sync is paused: "
            "press R on it in the Profiles tab.",
            title="Token no longer works",
            severity="error",
            timeout=30,
            markup=False,
        )

    @on(OpenConversation)
    def _open_conversation(self, message: OpenConversation) -> None:
        message.stop()
        if self.runtime is not None:
            self.app.push_screen(
                ConversationScreen(
                    self.runtime,
                    account_id=message.account_id,
                    conversation_id=message.conversation_id,
                    compose=message.compose,
                )
            )

    @on(OpenPerson)
    def _open_person(self, message: OpenPerson) -> None:
        message.stop()
        if self.runtime is not None:
            self.app.push_screen(ConversationScreen(self.runtime, person_id=message.person_id))

    def refresh_header(self) -> None:
        """Redraw the header from the runtime (after a setting such as DND changed)."""
        self._refresh_header()

    def _refresh_header(self) -> None:
        runtime = self.runtime
        if runtime is None:
            return
        dnd = dnd_active(runtime.prefs.notifications, runtime.engine.clock())
        self.update_status(runtime.engine.statuses(), self._total_unread, dnd)

    def action_toggle_dnd(self) -> None:
        """Do-not-disturb on or off (saved at once); from every tab."""
        runtime = self.runtime
        if runtime is None:
            return
        on = not dnd_active(runtime.prefs.notifications, runtime.engine.clock())
        try:
            save_dnd(runtime.prefs_file, on)
        except Exception as exc:  # a broken config file must not take the dashboard down
            self.notify(
                safe(f"could not save: {exc}", max_chars=300).plain,
                title="Do not disturb",
                severity="error",
                markup=False,
            )
            return
        runtime.reload_prefs()
        self.refresh_header()
        for pane in self.query(FiltersPane):
            pane.refresh_state()
        self.notify(
            "Do not disturb is on: nothing will interrupt you." if on else "Do not disturb is off.",
            title="Notifications",
            markup=False,
        )

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
