"""Search across every account: a query line, and the matching messages with the match lit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.domain.confusables import DISGUISE_MARK, KnownNames, fold_known
from tui.domain.safetext import sanitize
from tui.services.api import Service
from tui.store import SearchHit
from tui.widgets.action_errors import failure_text
from tui.widgets.inbox_rows import BADGES, relative_time
from tui.widgets.pieces import Piece, Pieces, cells, fit, to_content
from tui.widgets.safe import HIDDEN_MARK, SCREEN_SHARE, highlight_pieces, private
from tui.widgets.virtual_list import Row, VirtualList

__all__ = ["RESULT_LIMIT", "SearchHitRow", "SearchScreen", "excerpt"]

RESULT_LIMIT = 200
"""The store returns at most this many hits, newest first."""
LEAD_IN = 24
"""Characters kept before the first match when a long text is shown from the middle."""

SEARCH_HELP = (
    'words "a phrase" word*  from:NAME  account:ID  #label  platform:messenger|instagram|matrix  '
    "before:/after:YYYY-MM-DD"
)
"""One line (116 characters): every filter the parser knows; README's "Search" says more."""


def excerpt(
    text: str, spans: Sequence[tuple[int, int]], width: int
) -> tuple[str, list[tuple[int, int]], bool]:
    """The part of ``text`` worth showing in ``width`` cells: from a little before the first
    match, so a hit deep in a long message is still seen. Returns the part, the spans moved
    to it, and whether the start was cut off."""
    start = 0
    if spans and spans[0][0] > LEAD_IN:
        start = spans[0][0] - LEAD_IN
    end = min(len(text), start + max(width, 1) * 2 + 16)
    moved = [(max(a - start, 0), min(b, end) - start) for a, b in spans if b > start and a < end]
    return text[start:end], moved, start > 0


OWN_MARK_STYLE = "bold reverse $primary"
"""How search results mark our own messages; names are never drawn in it."""


OUTBOX_MARK = "outbox"
"""Marks a search result that is a reply of ours not sent yet."""


@dataclass(frozen=True)
class SearchHitRow:
    """One hit: where it is, who wrote it, when, and the text with the match highlighted."""

    hit: SearchHit
    now: datetime
    known: KnownNames | None = field(default=None, compare=False, repr=False)
    """The names the user knows (VIPs, contacts), once read."""

    @cached_property
    def lookalike(self) -> bool:
        """The writer's name passes for a known person's under another id: worked out when
        the row is first drawn, so a search of 200 hits checks only the rows in view."""
        return self.known is not None and _passes_for_known(self.hit, self.known)

    @property
    def key(self) -> Hashable:
        return (self.hit.message.account_id, self.hit.message.remote_id)

    @property
    def conversation_key(self) -> tuple[str, str]:
        return (self.hit.message.account_id, self.hit.message.conversation_id)

    def render(self, width: int) -> Content:
        return to_content(self.pieces(width))

    def pieces(self, width: int) -> Pieces:
        message = self.hit.message
        conversation = self.hit.conversation
        if message.from_us:
            who = ""
        elif conversation is not None:
            who = message.sender_name or conversation.customer.display_name
        else:
            who = message.sender_name or message.sender_id
        platform = conversation.platform if conversation is not None else None
        badge = BADGES.get(platform, "??") if platform is not None else "??"
        who_cell: list[Piece]
        if message.from_us:
            # Our own messages carry a mark in reverse video that no name can take: a
            # stranger named "you" (or "▶ you") is drawn as plain bold text.
            who_cell = [("▶ you".ljust(16), OWN_MARK_STYLE)]
            if self.hit.outbox:
                # Not sent yet (pending or failed): found, and marked as still in the outbox.
                who_cell = [
                    ("▶ you", OWN_MARK_STYLE),
                    (f" {OUTBOX_MARK}".ljust(11), "bold $text-warning"),
                ]
        else:
            name = sanitize(private(who), max_chars=40, single_line=True)
            who_cell = fit([(name, "bold")], 16, ellipsis=True, pad=True)
            if self.lookalike:
                who_cell = [
                    (DISGUISE_MARK, "bold $text-warning"),
                    *fit(who_cell, 15, ellipsis=True, pad=True),
                ]
        account = sanitize(message.account_id, max_chars=24, single_line=True)
        head = [
            (badge, "bold"),
            (" ", ""),
            *fit([(account, "$muted-text")], 10, ellipsis=True, pad=True),
            (" ", ""),
            *who_cell,
            (" ", ""),
            (relative_time(message.created_at, self.now).rjust(6), "$muted-text"),
            ("  ", ""),
        ]
        room = max(width - cells("".join(text for text, _ in head)), 0)
        if SCREEN_SHARE.on:
            return Pieces([*head, (HIDDEN_MARK, "")])
        part, spans, cut = excerpt(message.text, self.hit.spans, room)
        body = highlight_pieces(
            part, spans, "bold reverse $accent", max_chars=room * 2 + 16, single_line=True
        )
        if cut:
            body = [("…", "$muted-text"), *body]
        return Pieces([*head, *fit(body, room, ellipsis=True)])


@dataclass
class _HitSource:
    items: list[SearchHitRow]

    def count(self) -> int:
        return len(self.items)

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        return self.items[offset : offset + limit]

    def index_of(self, key: Hashable) -> int | None:
        return next((i for i, row in enumerate(self.items) if row.key == key), None)


class SearchScreen(Screen[tuple[str, str] | None]):
    """Type to search every account; down or enter moves to the results, enter opens one.

    Dismisses with the chosen conversation's ``(account_id, conversation_id)``.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="search.back"),
        Binding("down", "results", "Results", show=False, id="search.results"),
        Binding("slash", "query", "Edit query", show=False, id="search.query"),
    ]

    DEFAULT_CSS = """
    SearchScreen {
        layout: vertical;
        & #search-input { margin: 0 0; }
        & #search-help {
            color: $muted-text; padding: 0 1; height: 1; text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & #search-status { color: $muted-text; padding: 0 1; height: 1; }
        & #search-results { height: 1fr; }
        /* A tint, so the lit match and the muted columns stay readable under the cursor. */
        & #search-results > .virtual-list--cursor {
            background: $primary 20%;
            color: $foreground;
            text-style: none;
        }
        & #search-results:focus > .virtual-list--cursor {
            background: $primary 35%;
            color: $foreground;
            text-style: none;
        }
    }
    """

    debounce: ClassVar[float] = 0.2

    def __init__(
        self,
        service: Service,
        query: str = "",
        *,
        on_open: Callable[[tuple[str, str]], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(id="search")
        self.service = service
        self.initial_query = query
        self.current_query = query
        """What the query box holds now (the inbox offers it again on the next ``/``)."""
        self.on_open = on_open
        """Opens a hit above this screen, so Esc there comes back to these results."""
        self.source = _HitSource([])
        self.searches = 0
        """How many searches have finished, look-alike marks included (tests wait on it)."""
        self.drawn = 0
        """How many searches have their results on screen (their marks may still follow)."""
        self._known: KnownNames | None = None
        """Names the user knows, read once per screen, after the first results are drawn:
        on a big store reading and folding them takes far longer than the search."""
        self._known_ready = asyncio.Event()
        self._known_started = False
        self._search_task: asyncio.Task[None] | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            self.initial_query,
            placeholder="Search all accounts…",
            id="search-input",
            max_length=4096,
        )
        yield Static(SEARCH_HELP, id="search-help", markup=False)
        yield Static("", id="search-status", markup=False)
        yield VirtualList(self.source, id="search-results")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial_query:
            self.run_search(self.initial_query, delay=0)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self.current_query = event.value
        self.run_search(event.value, delay=self.debounce)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_search(event.value, delay=0, focus_results=True)

    def run_search(self, query: str, delay: float, focus_results: bool = False) -> None:
        """Search after ``delay`` seconds of quiet typing (a newer call cancels this one).

        The hits are drawn as soon as the store returns them; the look-alike marks (≈)
        follow once the known names are read (the first search of the screen waits for
        them; later ones have them at once). A search that fails says so in the status
        line.

        A plain task rather than a Textual worker: a worker posts a message to the screen
        at each change of state, and the screen handles them before its next frame, the
        one that shows the results (about 0.3 ms of a 2 ms search, timed in
        ``bench.search_bench``).
        """
        if self._search_task is not None:
            self._search_task.cancel()
        self._search_task = asyncio.create_task(self._search(query, delay, focus_results))

    async def _search(self, query: str, delay: float, focus_results: bool) -> None:
        if delay:
            await asyncio.sleep(delay)
        try:
            await self._search_now(query, focus_results)
        except Exception as exc:  # shown to the user; the screen stays up
            if not self.is_attached:
                return
            self._fill([], self.service.clock(), self._known, cursor=0)
            self._set_status(f"Search failed: {failure_text(exc)}")
        self.searches += 1

    async def _search_now(self, query: str, focus_results: bool) -> None:
        hits = await self.service.store.search(query, limit=RESULT_LIMIT)
        now = self.service.clock()
        results = self.query_one("#search-results", VirtualList)
        known = self._known
        self._fill(hits, now, known, cursor=0)
        self._show_status(query, hits)
        if focus_results and hits:
            results.focus()
        self.drawn += 1
        if known is None:
            # Only once the results' frame is out: folding the names competes for the CPU.
            self.call_after_refresh(self._load_known)
            await self._known_ready.wait()
            if self._known is not None and any(_passes_for_known(hit, self._known) for hit in hits):
                self._fill(hits, now, self._known)  # the cursor stays on its row

    def _fill(
        self,
        hits: list[SearchHit],
        now: datetime,
        known: KnownNames | None,
        cursor: int | None = None,
    ) -> None:
        """Show ``hits``: a new search puts the cursor on ``cursor`` (the newest hit); a
        refill of the same hits (their look-alike marks) keeps it on its row."""
        self.source.items = [SearchHitRow(hit, now, known) for hit in hits]
        self.query_one("#search-results", VirtualList).source_changed(cursor=cursor)

    def _show_status(self, query: str, hits: list[SearchHit]) -> None:
        if not query.strip():
            text = ""
        elif not hits:
            text = "No messages match."
        else:
            more = "+" if len(hits) >= RESULT_LIMIT else ""
            noun = "message" if len(hits) == 1 and not more else "messages"
            text = f"{len(hits)}{more} {noun}, newest first. Enter opens one."
        self._set_status(text)

    def _set_status(self, text: str) -> None:
        # The status line is one row high and as wide as the screen whatever it says: no
        # layout pass (a layout reflows and redraws the whole screen).
        self.query_one("#search-status", Static).update(text, layout=False)

    def _load_known(self) -> None:
        if not self._known_started:
            self._known_started = True
            self.run_worker(self._read_known(), group="search-known", exit_on_error=False)

    async def _read_known(self) -> None:
        try:
            names = await self.service.store.known_names(self.service.prefs.notifications.vip)
            # Folding tens of thousands of names is pure Python: off the event loop, so
            # keys and frames go on meanwhile.
            self._known = await asyncio.to_thread(fold_known, names)
        finally:
            self._known_ready.set()

    def on_unmount(self) -> None:
        if self._search_task is not None:
            self._search_task.cancel()

    def action_results(self) -> None:
        if self.source.count():
            self.query_one("#search-results", VirtualList).focus()

    def action_query(self) -> None:
        self.query_one(Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(VirtualList.Selected)
    def _open(self, event: VirtualList.Selected) -> None:
        event.stop()
        index = self.source.index_of(event.key)
        if index is None:
            return
        key = self.source.items[index].conversation_key
        if self.on_open is None:
            self.dismiss(key)
        else:
            self.run_worker(self.on_open(key), group="search-open", exit_on_error=False)


def _passes_for_known(hit: SearchHit, known: KnownNames) -> bool:
    message, conversation = hit.message, hit.conversation
    if message.from_us:
        return False
    name = message.sender_name or (conversation.customer.name if conversation else "")
    person = conversation.customer.person_id if conversation is not None else None
    return known.lookalike(name, message.sender_id, person) is not None
