"""The Inbox tab: every account's conversations merged in one list, triaged from the keyboard."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static

from tui.domain.models import Conversation, Platform, TriageStatus
from tui.messages import OpenConversation, OpenPerson
from tui.modals.search import SearchScreen
from tui.modals.triage_modals import LabelEditor, MergeSuggestions, SnoozeMenu
from tui.panes.base import RuntimePane
from tui.services import maintenance
from tui.services.api import Service, Triage
from tui.services.events import ConversationsChanged, Event
from tui.store import InboxView
from tui.store.views import ViewKind, view_holds
from tui.widgets.empty_state import EmptyState, no_account_text
from tui.widgets.inbox_rows import (
    VIEW_TITLES,
    ConversationRow,
    InboxRow,
    InboxSource,
    PersonRow,
    empty_view_text,
    header_line,
    legend_line,
)
from tui.widgets.safe import private, safe
from tui.widgets.virtual_list import Row, VirtualList

__all__ = ["InboxPane"]

PATCH_AT_MOST = 8
"""A change to more conversations than this re-reads the view instead of patching rows."""

WAKE_SECONDS = 30.0
"""How often snoozed conversations are woken and relative times redrawn."""
ConversationKey = tuple[str, str]
Rows = list[Row]


class InboxPane(RuntimePane):
    """The merged inbox: a list that reads only the rows it draws, plus the triage keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", "Reply", id="inbox.reply"),
        Binding("e", "done", "Done/reopen", id="inbox.done"),
        Binding("u", "toggle_unread", "Read/unread", id="inbox.unread"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze"),
        Binding("p", "pin", "Pin/unpin", show=False, id="inbox.pin"),
        Binding("m", "mute", "Mute/unmute", show=False, id="inbox.mute"),
        Binding("l", "label", "Label", show=False, id="inbox.label"),
        Binding("slash", "search", "Search", id="inbox.search"),
        Binding("a", "view('all')", "View: all", show=False, id="inbox.view-all"),
        Binding("U", "view('unread')", "View: unread", show=False, id="inbox.view-unread"),
        Binding(
            "n", "view('needs_reply')", "View: needs reply", show=False, id="inbox.view-needs-reply"
        ),
        Binding("z", "view('snoozed')", "View: snoozed", show=False, id="inbox.view-snoozed"),
        Binding("D", "view('done')", "View: done", show=False, id="inbox.view-done"),
        Binding(
            "F",
            "platform('messenger')",
            "Only Messenger (again: all platforms)",
            show=False,
            id="inbox.view-messenger",
        ),
        Binding(
            "I",
            "platform('instagram')",
            "Only Instagram (again: all platforms)",
            show=False,
            id="inbox.view-instagram",
        ),
        Binding(
            "L", "label_view", "Only this label (again: all)", show=False, id="inbox.view-label"
        ),
        Binding("M", "mark_merge", "Same person: mark / link", show=False, id="inbox.merge-mark"),
        Binding("S", "suggest_merges", "Merge suggestions", show=False, id="inbox.merge-suggest"),
        Binding("P", "group", "Group by person", show=False, id="inbox.group"),
        Binding("escape", "back", "Clear mark / back to All", show=False, id="inbox.back"),
    ]

    DEFAULT_CSS = """
    InboxPane {
        layout: vertical;
        & > #inbox-header {
            height: 1;
            padding: 0 1;
            background: $boost;
        }
        & > #inbox-legend {
            height: 1;
            padding: 0 1;
            color: $muted-text;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & > #inbox-nothing {
            display: none;
            height: auto;
            padding: 1 2;
            color: $muted-text;
        }
        &.-empty > #inbox-nothing {
            display: block;
        }
        &.-empty > #inbox-list {
            height: 1;
        }
        /* A tint instead of a solid block: the coloured cells (reply window, badges,
           unread) stay readable on the highlighted row. */
        & > #inbox-list > .virtual-list--cursor {
            background: $primary 20%;
            color: $foreground;
            text-style: none;
        }
        & > #inbox-list:focus > .virtual-list--cursor {
            background: $primary 35%;
            color: $foreground;
            text-style: none;
        }
    }
    """

    def __init__(self, service: Service | None, *, id: str | None = None) -> None:
        super().__init__(service, id=id)
        self.source: InboxSource | None = None
        if self.service is not None:
            self.source = InboxSource(self.service.store, self._now, self._vip)
        self.refreshes = 0
        """How many reloads have finished (tests wait on it)."""
        self._reloading = False
        self._reload_again = False
        self._full_reload = False
        """A pending pass re-reads the view (a view change, the 30 s wake, a big change)."""
        self._changed: set[ConversationKey] = set()
        """Conversations a pending pass patches in memory (a live event, a triage key)."""
        self._carried: dict[ConversationKey, Conversation] = {}
        """Changed conversations as the service's event carried them (not read back)."""
        self._shown: tuple[InboxView, bool] | None = None
        """The view (and grouping) the rows were last read for: rows that appear above the
        cursor because the view changed were there before, and are not counted as new."""
        self._legend_row: InboxRow | None = None
        """The row whose legend is shown."""
        self.patches = 0
        self.known_read = asyncio.Event()
        """Set once the known names (for look-alike marks) were read and drawn."""
        if self.source is None:
            self.known_read.set()
        self.settled = asyncio.Event()
        """Set while no update of the rows is running or pending."""
        self.settled.set()
        """How many passes updated the rows in memory instead of re-reading the view."""
        self.last_query = ""
        """The search query of the last ``/``, offered again on the next."""
        self.feedback: Content | None = None
        """What the last triage key did, shown at the end of the header line."""

    def _vip(self) -> tuple[str, ...]:
        return self.service.prefs.notifications.vip if self.service is not None else ()

    def _now(self) -> datetime:
        # The service's clock: the simulator's in tests, so windows and snoozes line up.
        return self.clock()

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.source is None:
            yield EmptyState(no_account_text())
            return
        yield Static(header_line(self.source), id="inbox-header")
        yield VirtualList(self.source, id="inbox-list")
        yield Static("", id="inbox-nothing")
        yield Static("", id="inbox-legend")

    @property
    def list(self) -> VirtualList:
        return self.query_one("#inbox-list", VirtualList)

    def on_mount(self) -> None:
        if self.source is None:
            return
        self.reload()
        self.set_interval(WAKE_SECONDS, self.wake)
        if hasattr(self.app, "screen_share"):
            self.watch(self.app, "screen_share", self._share_changed, init=False)

    def _share_changed(self, _on: bool) -> None:
        # The last key's note may quote a name typed before sharing began: drop it.
        self.feedback = None
        self._redraw_header()

    # --- keeping the list current -----------------------------------------------------

    def handle_event(self, event: Event) -> None:
        # Every change to the rows (a sync, a triage key here or in another dashboard, a
        # reply) comes as one ConversationsChanged: one reload per change, never two.
        if self.source is None or not isinstance(event, ConversationsChanged):
            return
        changed = [(event.account_id, remote_id) for remote_id in event.conversation_ids]
        carried = {(c.account_id, c.remote_id): c for c in event.conversations}
        for key in changed:  # the newest word on each: what came now, or a read
            if key in carried:
                self._carried[key] = carried[key]
            else:
                self._carried.pop(key, None)
        if changed and len(changed) <= PATCH_AT_MOST and self._patch_now(changed):
            return
        self.reload(changed)

    @work(group="inbox-wake", exclusive=True, exit_on_error=False)
    async def wake(self) -> None:
        """Every 30 s: the service reopens snoozes whose time came (each comes back as a
        change, patched like any other); relative times and reply windows redraw from
        the rows in memory. Re-reading the whole view here took seconds on a large store
        and held up every live event that arrived meanwhile."""
        if self.service is not None:
            await self.service.wake_snoozed()
        if not self._retime():
            self.reload()

    def _retime(self) -> bool:
        """Draw the rows in memory again as of now; ``False`` when only a re-read can."""
        source = self.source
        if source is None or source.grouped or self._reloading:
            return False
        rows = self.list.cached_top()
        if not rows and source.count():
            return False
        now = self.clock()
        fresh: list[Row] = []
        for row in rows:
            if isinstance(row, ConversationRow):
                row = source.row(row.conversation, now)
                source.loaded[row.key] = row
            fresh.append(row)
        self.list.rows_patched(fresh, source.count())
        self._redraw_legend()
        return True

    def reload(self, changed: Sequence[ConversationKey] | None = None) -> None:
        """Re-count and redraw; the cursor stays on the same conversation.

        ``changed``: only these conversations changed (a live event, a triage key); an empty
        list means any may have (the service was attached again). Each is
        read on its own and moved to its place among the rows in memory, the way a
        cursor move redraws, instead of re-reading the view; when that cannot be exact
        (grouped by person, scrolled far down, many at once) the view is read again.
        Calls during a reload are folded into one more pass after it, so a burst of
        events (a first sync) cannot keep cancelling the list's refresh.
        """
        if self.source is None:
            return
        if not changed or len(changed) > PATCH_AT_MOST:
            self._full_reload = True  # no list (a reattach, a view change): anything changed
        else:
            self._changed.update(changed)
        self.settled.clear()
        if self._reloading:
            self._reload_again = True
            return
        self._reloading = True
        self._reload_passes()

    @work(group="inbox-reload", exit_on_error=False)
    async def _reload_passes(self) -> None:
        source = self.source
        assert source is not None
        try:
            self._reload_again = True
            while self._reload_again:
                self._reload_again = False
                full, changed = self._full_reload, self._changed
                self._full_reload, self._changed = False, set()
                if not full and await self._patch(changed):
                    self.patches += 1
                else:
                    self._carried.clear()  # the view is read again: newer than any of them
                    shown = (source.view, source.grouped)
                    await source.reload()
                    self.list.source_changed(arrived=shown == self._shown)
                    self._shown = shown
                self._pass_done()
        finally:
            self._reloading = False
            self.settled.set()
        if source.known_stale():
            self._read_known_names()

    def _pass_done(self) -> None:
        """After the rows changed: the lines around them, then count the pass."""
        source = self.source
        assert source is not None
        self._redraw_header()
        self._redraw_legend()
        nothing = self.query_one("#inbox-nothing", Static)
        text = empty_view_text(source)
        if nothing.content != text:  # its height may change: only when it does
            nothing.update(text)
        self.set_class(source.count() == 0, "-empty")
        self.refreshes += 1

    def _patch_now(self, changed: Sequence[ConversationKey]) -> bool:
        """Patch the rows at once, without a worker or a read, when the event carried
        every changed conversation and nothing needs the store (not a count either);
        ``False``: nothing done, take the usual pass."""
        source = self.source
        if source is None or self._reloading or source.grouped:
            return False
        now = self.clock()
        found: dict[ConversationKey, Conversation | None] = {}
        for key in changed:
            told, conversation = self._as_carried(key, now)
            if not told:
                return False
            found[key] = conversation
        placed = self._placed(found, now)
        if placed is None or placed[2]:
            return False
        for key in changed:
            self._carried.pop(key, None)
        rows, count, _recount, built = placed
        self._commit_patch(found, rows, count, built)
        self.patches += 1
        self._pass_done()
        return True

    def _as_carried(self, key: ConversationKey, now: datetime) -> tuple[bool, Conversation | None]:
        """What the last event carried for ``key``: ``(True, conversation)`` when the view
        lists it, ``(True, None)`` when it does not, ``(False, None)`` when the event did not
        carry it or only the store can tell whether the view lists it."""
        source = self.source
        assert source is not None
        carried = self._carried.get(key)
        holds = None if carried is None else view_holds(source.view, carried, now)
        if holds is None:
            return False, None
        return True, carried if holds else None

    @work(group="inbox-known", exclusive=True, exit_on_error=False)
    async def _read_known_names(self) -> None:
        """After the rows are drawn: the names a stranger could imitate, and the marks."""
        source = self.source
        assert source is not None
        if await source.refresh_known():
            self.list.rows_restyled(source.relooked)
        self.known_read.set()

    async def _patch(self, changed: set[ConversationKey]) -> bool:
        """Move each changed conversation to its place among the first rows in memory;
        ``False`` (nothing touched) when only re-reading the view can be exact."""
        source = self.source
        assert source is not None
        if source.grouped:
            return False
        if not self.list.cached_top() and source.count():
            return False  # nothing on screen yet: the first page is still being read
        now = self.clock()
        found: dict[ConversationKey, Conversation | None] = {}
        for key in changed:
            told, conversation = self._as_carried(key, now)
            self._carried.pop(key, None)
            if not told:  # not carried, or the view needs the store to tell
                conversation = await source.store.conversation_in_view(source.view, *key, now)
            found[key] = conversation
        placed = self._placed(found, now)
        if placed is None:
            return False
        rows, count, recount, built = placed
        if recount:  # one came into the view, or left it, below the rows in memory
            count = await source.store.count_conversations(source.view, now)
        self._commit_patch(found, rows, count, built)
        return True

    def _placed(
        self, found: dict[ConversationKey, Conversation | None], now: datetime
    ) -> tuple[Rows, int, bool, dict[ConversationKey, ConversationRow]] | None:
        """The rows in memory with each found conversation moved to its place (``None``:
        gone from the view), the view's new count, whether that count must be read (a
        conversation came or went below the rows in memory), and the found ones' new rows.
        ``None``: nothing is on screen yet (the first page is still being read). Changes
        nothing."""
        source = self.source
        assert source is not None
        rows = list(self.list.cached_top())
        count = source.count()
        if not rows and count:
            return None
        recount = False
        built: dict[ConversationKey, ConversationRow] = {}
        for key, conversation in found.items():
            old = next((i for i, row in enumerate(rows) if row.key == key), None)
            if old is not None:
                del rows[old]
            everything = len(rows) + (old is not None) >= count
            if conversation is None:
                if old is not None:
                    count -= 1
                elif not everything:  # it may have left the view below the rows in memory
                    recount = True
                continue
            row = built[key] = source.row(conversation, now)
            place = _place(rows, _order(conversation))
            if place < len(rows) or everything:  # else it belongs below the rows in memory
                rows.insert(place, row)
            if old is None:
                if everything:
                    count += 1
                else:  # new to the view, or moved up from below the rows in memory
                    recount = True
        return rows, count, recount, built

    def _commit_patch(
        self,
        found: dict[ConversationKey, Conversation | None],
        rows: Rows,
        count: int,
        built: dict[ConversationKey, ConversationRow],
    ) -> None:
        source = self.source
        assert source is not None
        for key in found:
            row = built.get(key)
            if row is None:  # gone from the view
                source.loaded.pop(key, None)
            else:  # one placed below the rows in memory is kept for when it is reached
                source.loaded[key] = row
        source.patched(count)
        self.list.rows_patched(rows, count)

    def _redraw_header(self) -> None:
        new_above = self.list.new_above
        # One line, full width: redrawing it needs no layout pass over the whole screen
        # (Static.update's default), which would cost more than the list's own redraw.
        _show(
            self.query_one("#inbox-header", Static),
            header_line(self.source, self.feedback, new_above),
        )

    def _redraw_legend(self) -> None:
        row = self._current_row()
        if row is not None and row is self._legend_row:
            return  # a row object is never changed in place: its legend is on screen
        self._legend_row = row
        _show(self.query_one("#inbox-legend", Static), legend_line(row))
        if row is None and self.list.row_count:
            self.set_timer(0.2, self._redraw_legend)  # the row's page is still being read

    @on(VirtualList.NewAbove)
    def _new_above(self, event: VirtualList.NewAbove) -> None:
        event.stop()
        self._redraw_header()

    @on(VirtualList.Highlighted)
    def _highlighted(self, event: VirtualList.Highlighted) -> None:
        event.stop()
        self._redraw_legend()

    def _say(self, did: str, conversation: Conversation | None = None, undo: str = "") -> None:
        """Say what a triage key did, in the header line (not a toast over the list)."""
        parts: list[Content | str | tuple[str, str]] = [(did, "bold")]
        if conversation is not None:
            name = private(conversation.customer.display_name)
            parts += [" ", safe(name, max_chars=30, single_line=True)]
        if undo:
            parts += [(f" ({undo})", "$muted-text")]
        self.feedback = Content.assemble(*parts)

    # --- what the keys act on ---------------------------------------------------------

    def _current_row(self) -> InboxRow | None:
        if self.source is None:
            return None
        key = self.list.cursor_key
        return None if key is None else self.source.loaded.get(key)

    def _current(self) -> Conversation | None:
        row = self._current_row()
        if isinstance(row, PersonRow):
            return row.latest
        return row.conversation if isinstance(row, ConversationRow) else None

    @staticmethod
    def _key(conversation: Conversation) -> ConversationKey:
        return (conversation.account_id, conversation.remote_id)

    # --- opening --------------------------------------------------------------------

    @on(VirtualList.Selected)
    async def _selected(self, event: VirtualList.Selected) -> None:
        event.stop()
        if self.source is None:
            return
        row = self.source.loaded.get(event.key)
        if isinstance(row, PersonRow):
            self.post_message(OpenPerson(row.person_id))
        elif isinstance(row, ConversationRow):
            await self.open_conversation(row.conversation)

    async def open_conversation(self, conversation: Conversation, *, compose: bool = False) -> None:
        """Show a conversation; reading it marks it read here and, if the account's privacy
        settings allow (the outbox checks), tells the customer it was seen."""
        service = self.service
        if service is None:
            return
        if conversation.unread_count > 0:
            await service.open_conversation(
                self._key(conversation), conversation.customer.platform_user_id
            )
        self.post_message(
            OpenConversation(conversation.account_id, conversation.remote_id, compose=compose)
        )

    async def action_reply(self) -> None:
        conversation = self._current()
        if conversation is not None:
            await self.open_conversation(conversation, compose=True)

    def action_search(self) -> None:
        service = self.service
        if service is None:
            return

        async def chosen(key: tuple[str, str]) -> None:
            conversation = await service.store.get_conversation(*key)
            if conversation is not None:
                await self.open_conversation(conversation)

        # A hit opens above the results: Esc there returns to them, query and cursor kept;
        # the next / starts from the last query.
        screen = SearchScreen(service, self.last_query, on_open=chosen)

        def closed(_key: tuple[str, str] | None) -> None:
            self.last_query = screen.current_query

        self.app.push_screen(screen, callback=closed)

    # --- triage ---------------------------------------------------------------------

    async def action_done(self) -> None:
        conversation = self._current()
        if conversation is None or self.service is None:
            return
        done = conversation.triage.status is TriageStatus.DONE
        if done:
            self._say("Reopened", conversation)
        else:
            self._say("Done:", conversation, "moved to the Done view, D shows it; e there reopens")
        await self.service.triage(self._key(conversation), Triage.REOPEN if done else Triage.DONE)

    async def action_toggle_unread(self) -> None:
        conversation = self._current()
        if conversation is None or self.service is None:
            return
        unread = conversation.unread_count > 0
        if unread:
            self._say("Marked read:", conversation, "u again: unread")
        else:
            self._say("Marked unread:", conversation, "u again: read")
        await self.service.triage(self._key(conversation), Triage.READ if unread else Triage.UNREAD)

    async def action_pin(self) -> None:
        conversation = self._current()
        if conversation is None or self.service is None:
            return
        pinned = not conversation.triage.pinned
        self._say("Pinned:" if pinned else "Unpinned:", conversation, "p again undoes")
        await self.service.triage(self._key(conversation), Triage.PIN if pinned else Triage.UNPIN)

    async def action_mute(self) -> None:
        conversation = self._current()
        if conversation is None or self.service is None:
            return
        muted = not conversation.triage.muted
        if muted:
            self._say("Muted:", conversation, "no alerts from it; m again unmutes")
        else:
            self._say("Unmuted:", conversation, "m again mutes")
        await self.service.triage(self._key(conversation), Triage.MUTE if muted else Triage.UNMUTE)

    def action_snooze(self) -> None:
        conversation = self._current()
        service = self.service
        if conversation is None or service is None:
            return
        key = self._key(conversation)

        async def chosen(until: datetime | None) -> None:
            if until is not None:
                when = until.astimezone(self._now().astimezone().tzinfo)
                self._say(f"Snoozed until {when:%a %H:%M}:", conversation, "z shows snoozed")
                await service.triage(key, Triage.SNOOZE, until=until)

        self.app.push_screen(SnoozeMenu(self._now().astimezone()), callback=chosen)

    def action_label(self) -> None:
        conversation = self._current()
        service = self.service
        if conversation is None or service is None:
            return
        key = self._key(conversation)

        async def chosen(labels: list[str] | None) -> None:
            if labels is not None:
                shown = ", ".join(f"#{label}" for label in labels) or "none"
                self._say(f"Labels {shown}:", conversation)
                await service.set_labels(key, labels)

        self.app.push_screen(LabelEditor(conversation.triage.labels), callback=chosen)

    # --- views ----------------------------------------------------------------------

    def action_view(self, kind: str) -> None:
        if self.source is None or kind not in VIEW_TITLES:
            return
        view_kind: ViewKind = kind  # type: ignore[assignment]
        self.source.view = replace(self.source.view, kind=view_kind)
        self.reload()

    def action_platform(self, name: str) -> None:
        if self.source is None:
            return
        platform = Platform(name)
        current = self.source.view.platform
        self.source.view = replace(
            self.source.view, platform=None if current is platform else platform
        )
        self.reload()

    def action_label_view(self) -> None:
        """Show only the conversations with the highlighted one's label; again: all."""
        source = self.source
        if source is None:
            return
        if source.view.label is not None:
            source.view = replace(source.view, label=None)
        else:
            conversation = self._current()
            if conversation is None or not conversation.triage.labels:
                self._say("No label here: l adds one")
                self._redraw_header()
                return
            source.view = replace(source.view, label=conversation.triage.labels[0])
        self.reload()

    def action_group(self) -> None:
        if self.source is None:
            return
        self.source.grouped = not self.source.grouped
        self.reload()

    def action_back(self) -> None:
        source = self.source
        if source is None:
            return
        if source.marked is not None:
            source.marked = None
        elif source.view != InboxView() or source.grouped:
            source.view = InboxView()
            source.grouped = False
        else:
            return
        self.reload()

    # --- people ---------------------------------------------------------------------

    async def action_mark_merge(self) -> None:
        source = self.source
        conversation = self._current()
        if source is None or conversation is None or self.service is None:
            return
        key = self._key(conversation)
        first = source.marked
        if first is None or first == key:
            source.marked = None if first == key else key
            self.reload()
            return
        if first[0] == key[0]:
            self.notify(
                "Pick a conversation on another account to link with the marked one.",
                severity="warning",
                markup=False,
            )
            return
        await self._link(first, key)

    async def _link(self, a: ConversationKey, b: ConversationKey) -> None:
        service = self.service
        if service is None or self.source is None:
            return
        try:
            await service.link_people(a, b)
        except maintenance.MergeRefused as exc:
            self.notify(
                f"Not linked: {exc}. Change it in the Privacy tab.",
                severity="warning",
                markup=False,
            )
            return
        except KeyError:
            self.notify("That conversation is gone.", severity="error", markup=False)
            return
        self.source.marked = None
        self.notify("Linked: they are now one person.", markup=False)

    async def action_suggest_merges(self) -> None:
        service = self.service
        if service is None:
            return
        # A read: the suggestions come from the store and each account's privacy settings.
        pairs = await maintenance.merge_suggestions(service.store, service.privacy, 20)

        async def chosen(pair: tuple[ConversationKey, ConversationKey] | None) -> None:
            if pair is not None:
                await self._link(*pair)

        self.app.push_screen(MergeSuggestions(pairs), callback=chosen)


def _show(line: Static, content: Content) -> None:
    """Put ``content`` in a one-line Static, without a layout pass (the line keeps its
    size), and only when it differs (text or styles) from what is shown: an unchanged
    line is not drawn again with the frame."""
    shown = line.content
    if (
        isinstance(shown, Content)
        and shown.plain == content.plain
        and list(shown.spans) == list(content.spans)
    ):
        return
    line.update(content, layout=False)


def _order(conversation: Conversation) -> tuple[int, float, str, str]:
    """The inbox's sort key (the store's ``ORDER_BY``): pinned first, newest first, ids."""
    return (
        -int(conversation.triage.pinned),
        -conversation.updated_at.timestamp(),
        conversation.remote_id,
        conversation.account_id,
    )


def _place(rows: Sequence[Row], order: tuple[int, float, str, str]) -> int:
    """Where a conversation with sort key ``order`` goes among sorted ``rows``."""
    low, high = 0, len(rows)
    while low < high:
        middle = (low + high) // 2
        row = rows[middle]
        assert isinstance(row, ConversationRow)
        if _order(row.conversation) < order:
            low = middle + 1
        else:
            high = middle
    return low
