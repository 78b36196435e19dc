"""The dashboard screen: status header, the five tabs, and the footer of keys."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ClassVar, Protocol

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
from tui.messages import TAB_IDS, TAB_TITLES, OpenConversation, OpenPerson, ShowTab
from tui.panes.activity import ActivityPane
from tui.panes.base import RuntimePane
from tui.panes.filters import FiltersPane
from tui.panes.inbox import InboxPane
from tui.panes.privacy import PrivacyPane
from tui.panes.profiles import ProfilesPane
from tui.screens.alerts import Alerts
from tui.screens.conversation import ConversationScreen
from tui.services.api import Service, SetDnd
from tui.services.events import (
    AccountStateChanged,
    AlertsRaised,
    ConversationsChanged,
    Event,
    PrefsChanged,
    ServiceState,
)
from tui.services.notifier import dnd_active
from tui.shell import tab_label
from tui.widgets.config_error import ConfigNotice
from tui.widgets.empty_state import EmptyState, demo_waiting_text, no_account_text
from tui.widgets.hotlist import Hotlist
from tui.widgets.safe import safe
from tui.widgets.status_line import PLATFORM_TAG, StatusLine
from tui.widgets.virtual_list import AsyncRowSource, RowSource, VirtualList

__all__ = ["TAB_TITLES", "AccountStatus", "MainScreen", "StatusSource"]

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


RunService = Callable[
    [asyncio.Event, Callable[[str, BaseException, int], None]], Coroutine[Any, Any, None]
]
"""The embedded service's work: ``run(stop, on_failure)``."""


def service_text(service: Service) -> Content | None:
    """The header's word on the service: nothing when it runs inside this dashboard."""
    link = getattr(service, "link", None)
    info = service.info
    if not info.attached:
        return None
    if link is not None and not link.up:
        return Content.styled(link.message or "service lost", "$status-error bold")
    since = info.started_at.astimezone().strftime("%d %b %H:%M")
    return Content.styled(f"service {info.pid} since {since}", "$status-ok")


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
        # Shown in the header while the service is lost.
        Binding(
            "ctrl+b", "start_service", "Start the service", id="main.start-service", show=False
        ),
    ]

    def __init__(
        self,
        *,
        status: StatusSource | None = None,
        inbox_source: RowSource | AsyncRowSource | None = None,
        demo: bool = False,
        service: Service | None = None,
        run: RunService | None = None,
        config_notice: ConfigNotice | None = None,
    ) -> None:
        super().__init__(id="main")
        self.config_notice = config_notice
        """config.toml is wrong: a notice stays above the inbox (the store still shows)."""
        self.status = status
        self.inbox_source = inbox_source
        self.demo = demo
        self.service = service
        self.run = run
        """The embedded service's work (sync, outbox, ...) when no ``linkdeck serve`` runs."""
        self.stop = asyncio.Event()
        """Set on unmount: the embedded service and the event loop wind down."""
        self.hotlist = Hotlist(self)
        """Conversations with new alerts, named in the status line (alt+a opens the first)."""
        self.alerts = Alerts(self, service) if service is not None else None
        self._total_unread = 0
        self._panes: list[RuntimePane] = []

    def compose(self) -> ComposeResult:
        placeholder = "demo" if self.demo else "no account linked"
        if self.config_notice is not None and self.config_notice.broken:
            placeholder = "config.toml has an error: not syncing"
        yield StatusLine(placeholder, id="status-line")
        with TabbedContent(initial="inbox", id="tabs"):
            with TabPane(self._tab_label("inbox"), id="inbox"):
                if self.config_notice is not None:
                    yield self.config_notice.panel()
                yield self._inbox_body()
            for tab in TAB_IDS[1:]:
                with TabPane(self._tab_label(tab), id=tab):
                    yield PANES[tab](self.service, id=f"{tab}-pane")
        yield Footer(compact=True)

    def _tab_label(self, tab: str) -> Content:
        """``1 Inbox``: the title with the key that shows it (after any [keymap] change)."""
        return tab_label(self.app, tab)

    def _inbox_body(self) -> Widget:
        if self.service is not None:
            return InboxPane(self.service, id="inbox-pane")
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
        if self.service is not None:
            self._refresh_header()
            self._count_unread()
            if self.run is not None:
                self.run_services()
            self.consume_events()

    def on_unmount(self) -> None:
        self.stop.set()

    # --- the services behind the screen ---------------------------------------------

    def _after_change(self) -> None:
        """After a change's frame: the header's unread total and the hotlist's read ones."""
        self._count_unread_after_inbox()
        if len(self.hotlist):
            self._drop_read_from_hotlist()

    @work(group="unread-live", exclusive=True, exit_on_error=False)
    async def _count_unread_after_inbox(self) -> None:
        """The header's unread total after a change, once the inbox's update is drawn.

        The total is a query over every conversation (tens of ms on a large store): begun
        before the inbox's rows are on screen, it competed with drawing them for the CPU.
        """
        for inbox in self.query(InboxPane):
            await inbox.settled.wait()
        await self.wait_for_refresh()
        service = self.service
        if service is not None:
            self._total_unread = await service.store.total_unread(service.clock())
            self._refresh_header()

    @work(group="unread", exit_on_error=False)
    async def _count_unread(self) -> None:
        """The header's unread total from the store at start, before any sync event."""
        if self.service is not None:
            self._total_unread = await self.service.store.total_unread(self.service.clock())
            self._refresh_header()

    @work(group="services", exit_on_error=False)
    async def run_services(self) -> None:
        """The embedded service (sync, outbox, demo traffic) until unmount.

        A task that dies on an error is restarted and the user is told: never a
        dashboard that looks alive while nothing syncs.
        """
        assert self.run is not None
        await self.run(self.stop, self._task_failed)

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
        """The service's one event stream: header, alerts, then each pane."""
        service = self.service
        assert service is not None
        failures = 0
        async for event in service.events():
            if self.stop.is_set():
                return
            try:
                await self.dispatch_event(event)
            except Exception as exc:
                # One bad event must not end live updates for the rest of the session.
                failures += 1
                log.exception("handling %s failed", type(event).__name__)
                if failures == 1 or failures % 100 == 0:
                    self._task_failed("Live updates", exc, failures)

    async def dispatch_event(self, event: Event) -> None:
        service = self.service
        if service is None:
            return
        if isinstance(event, ConversationsChanged):
            # The inbox redraws first; the header's total (a query over every conversation)
            # is counted once the inbox's rows are drawn, so it never delays them.
            for pane in self._runtime_panes():
                pane.handle_event(event)
            # Their workers start after the next frame: started now, their messages
            # and tasks ran before it.
            self.call_after_refresh(self._after_change)
            return
        if isinstance(event, AlertsRaised) and self.alerts is not None:
            self.alerts.on_raised(event)
            await self._hotlist_highlights(event)
        if isinstance(event, AccountStateChanged | ConversationsChanged | PrefsChanged):
            self._refresh_header()
        if isinstance(event, ServiceState):
            self._refresh_header()
            if event.notice:
                self.notify(event.notice, title="Service", severity="warning", markup=False)
            elif not event.up and event.message:
                # Seen on every screen (the conversation view has no header).
                self.notify(
                    f"{event.message}. Your screens and unsent text stay; replies queue.",
                    title="Service",
                    severity="warning",
                    markup=False,
                )
            elif event.up:
                self.notify("Service back: attached again.", title="Service", markup=False)
        if isinstance(event, AccountStateChanged):
            self._warn_reauth(event.status)
        for pane in self._runtime_panes():
            pane.handle_event(event)

    def _runtime_panes(self) -> list[RuntimePane]:
        """The tabs' panes, found once: a DOM query walks every widget of every tab (about
        a millisecond, on every live event before the inbox could start on it)."""
        panes = self._panes
        if not panes or not all(pane.is_attached for pane in panes):
            panes = self._panes = list(self.query(RuntimePane))
        return panes

    async def _hotlist_highlights(self, event: AlertsRaised) -> None:
        """A highlight rule raises no alert but marks its conversation: marked in the hotlist."""
        service = self.service
        alerted = {(a.account_id, a.conversation_id) for a in event.alerts}
        if service is None or self.alerts is None:
            return
        open_now = self.alerts.open_conversations()
        for account_id, conversation_id in event.highlighted:
            key = (account_id, conversation_id)
            if key in alerted or key in open_now:
                continue
            found = await service.store.get_conversation(account_id, conversation_id)
            if found is None:
                continue
            platform = str(found.platform)
            self.hotlist.add(
                account_id,
                conversation_id,
                platform=PLATFORM_TAG.get(platform, platform[:2].upper()),
                name=found.customer.name or found.customer.platform_user_id,
                marked=True,
            )

    @work(group="hotlist-read", exclusive=True, exit_on_error=False)
    async def _drop_read_from_hotlist(self) -> None:
        """A conversation read here, in another dashboard or on the phone leaves the hotlist."""
        service = self.service
        if service is None or not len(self.hotlist):
            return
        waiting = [key for key in self.hotlist.waiting() if key[1]]
        if not waiting:
            return
        # One read for all of them (a trip to the database thread each was N trips).
        found = await service.store.conversations_by_key(waiting)
        read = {
            key
            for key in waiting
            if (conversation := found.get(key)) is None or conversation.unread_count == 0
        }
        self.hotlist.clear(read)

    async def jump_to_active(self) -> None:
        """Open the hotlist's first conversation (a reply being written is kept as a draft)."""
        entries = self.hotlist.entries()
        if not entries or self.service is None:
            return
        entry = entries[0]
        front = self.app.screen
        if front is not self and not isinstance(front, ConversationScreen):
            return  # a dialog is open: it keeps the keyboard
        if isinstance(front, ConversationScreen):
            await front.keep_draft()
            self.app.pop_screen()
        if not entry.conversation_id:
            # The flood summary names no conversation: the inbox, newest first, has them.
            self.hotlist.drop_summary()
            self.action_show_tab("inbox")
            return
        self.hotlist.clear({entry.key})
        self.post_message(OpenConversation(entry.account_id, entry.conversation_id, compose=False))

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
        self.hotlist.clear({(message.account_id, message.conversation_id)})
        if self.service is not None:
            self.app.push_screen(
                ConversationScreen(
                    self.service,
                    account_id=message.account_id,
                    conversation_id=message.conversation_id,
                    compose=message.compose,
                )
            )

    @on(OpenPerson)
    def _open_person(self, message: OpenPerson) -> None:
        message.stop()
        if self.service is not None:
            self.app.push_screen(ConversationScreen(self.service, person_id=message.person_id))

    def refresh_header(self) -> None:
        """Redraw the header from the service (after a setting such as DND changed)."""
        self._refresh_header()

    def _refresh_header(self) -> None:
        service = self.service
        if service is None:
            return
        dnd = dnd_active(service.prefs.notifications, service.clock())
        self.update_status(service.statuses(), self._total_unread, dnd)
        self.query_one(StatusLine).set_service(service_text(service))

    def action_start_service(self) -> None:
        """Start ``linkdeck serve`` for this folder when the attached one is gone."""
        start = getattr(self.service, "start_service", None)
        if start is None or not start():
            self.notify("A service is running: nothing to start.", markup=False)
            return
        self._refresh_header()

    async def action_toggle_dnd(self) -> None:
        """Do-not-disturb on or off (saved at once); from every tab."""
        service = self.service
        if service is None:
            return
        on = not dnd_active(service.prefs.notifications, service.clock())
        try:
            await service.update_prefs(SetDnd(on))
        except Exception as exc:  # a broken config file must not take the dashboard down
            self.notify(
                safe(f"could not save: {exc}", max_chars=300).plain,
                title="Do not disturb",
                severity="error",
                markup=False,
            )
            return
        # The header and the Filters tab redraw on the PrefsChanged the service announces.
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
