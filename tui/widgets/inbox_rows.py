"""Inbox lines (platform, account, name, unread, snippet, reply window, age) and their source."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from textual.content import Content

from tui.domain.confusables import DISGUISE_MARK, KnownNames, disguised, fold_known
from tui.domain.models import Conversation, Platform
from tui.domain.safetext import sanitize
from tui.domain.window import WindowState, is_matrix_room, reply_window
from tui.store import InboxView, Store
from tui.widgets.pieces import Piece, Pieces, fit, to_content
from tui.widgets.safe import private, safe
from tui.widgets.virtual_list import Row

__all__ = [
    "VIEW_TITLES",
    "ConversationRow",
    "InboxRow",
    "InboxSource",
    "PersonRow",
    "compact_duration",
    "empty_view_text",
    "header_line",
    "is_person_key",
    "legend_line",
    "person_key",
    "relative_time",
    "window_label",
]

BADGES = {Platform.MESSENGER: "FB", Platform.INSTAGRAM: "IG", Platform.MATRIX: "MX"}
BADGE_STYLES = {"FB": "bold $primary", "IG": "bold $secondary", "MX": "bold $accent"}
VIA_MATRIX = "via Matrix"
"""Shown in the reply-window cell of a personal chat bridged through Matrix."""
WINDOW_STYLES = {
    WindowState.OPEN: "$status-ok",
    WindowState.CLOSING: "$status-warn bold",
    WindowState.HUMAN_AGENT: "$status-busy",
    WindowState.CLOSED: "$muted-text",
    WindowState.UNKNOWN: "$muted-text",
    WindowState.NONE: "$muted-text",
}
_PLATFORM_VALUES = frozenset(p.value for p in Platform)
VIEW_TITLES: dict[str, str] = {
    "all": "All",
    "unread": "Unread",
    "needs_reply": "Needs reply",
    "snoozed": "Snoozed",
    "done": "Done",
}
PLATFORM_TITLES = {
    Platform.MESSENGER: "Messenger",
    Platform.INSTAGRAM: "Instagram",
    Platform.MATRIX: "Matrix",
}
MAX_REMEMBERED_ROWS = 20_000
KNOWN_NAMES_MAX_AGE = 60.0
"""Seconds before the known names (for look-alike marks) are read again."""
PIN_MARK = "★"
MERGE_MARK = "+"
DRAFT_MARK = "draft:"
"""Before the snippet of a conversation with an unsent reply kept."""
MUTED_MARK = "muted"
"""Shown before the snippet of a muted conversation (dim alone is easy to miss)."""


def person_key(person_id: int) -> tuple[str, int]:
    """The list key of a person row (conversation rows use ``(account_id, remote_id)``)."""
    return ("person", person_id)


def compact_duration(span: timedelta) -> str:
    """``32m``, ``5h``, ``3d``: the largest whole unit, never less than one minute."""
    seconds = max(int(span.total_seconds()), 0)
    if seconds < 3600:
        return f"{max(seconds // 60, 1)}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


DATED_AFTER = timedelta(days=7)
"""Older than this, a time is shown as its date rather than as an age."""


def relative_time(moment: datetime, now: datetime) -> str:
    """``now``, ``4m``, ``3h``, ``2d``; a date once it is more than a week old."""
    age = now - moment
    if age < timedelta(minutes=1):
        return "now"
    if age < DATED_AFTER:
        return compact_duration(age)
    if moment.year == now.year:
        return f"{_month(moment.month)} {moment.day}"
    return moment.date().isoformat()


@lru_cache(maxsize=12)
def _month(month: int) -> str:
    """The month's short name (``%b``: as the locale names it; formatting a whole date
    for it cost more than the rest of a row's time cell)."""
    return f"{date(2001, month, 1):%b}"


def window_label(last_inbound: datetime | None, now: datetime) -> tuple[str, str]:
    """The reply-window cell and its style: ``open 5h``, ``closing 32m``, ``agent 3d``..."""
    window = reply_window(last_inbound, now)
    left = compact_duration(window.remaining) if window.remaining is not None else ""
    text = {
        WindowState.OPEN: f"open {left}",
        WindowState.CLOSING: f"closing {left}",
        WindowState.HUMAN_AGENT: f"agent {left}",
        WindowState.CLOSED: "closed",
        WindowState.UNKNOWN: "",
        WindowState.NONE: "",
    }[window.state]
    return text, WINDOW_STYLES[window.state]


@dataclass(frozen=True)
class _Widths:
    account: int
    name: int
    window: int = 11
    time: int = 6


def _widths(width: int) -> _Widths:
    if width >= 110:
        return _Widths(account=12, name=20)
    if width >= 70:
        return _Widths(account=8, name=14)
    return _Widths(account=6, name=10, window=8, time=5)


def _cell(text: object, width: int, style: str = "") -> list[Piece]:
    # Sanitising a few characters more than fit is enough: the rest is cut anyway, and a
    # 1 MB name must not be scanned whole on every redraw.
    clean = sanitize(text, max_chars=width * 2 + 8, single_line=True)
    return fit([(clean, style)], width, ellipsis=True, pad=True)


def _name_cell(name: str, width: int, style: str, lookalike: bool = False) -> list[Piece]:
    """The name, marked with ≈ when it is drawn like a plainer one (mixed scripts, odd
    spaces) or passes for someone the user knows who it is not."""
    shown = private(name)
    if shown is name and isinstance(name, str) and (lookalike or disguised(name[: width * 4])):
        return [(DISGUISE_MARK, "bold $text-warning"), *_cell(shown, width - 1, style)]
    return _cell(shown, width, style)


def _line(
    *,
    flag: Piece,
    badge: str,
    account: str,
    name: str,
    unread: int,
    labels: tuple[str, ...],
    snippet: str,
    last_inbound: datetime | None,
    updated: datetime,
    now: datetime,
    width: int,
    muted: bool,
    name_style: str,
    draft: bool = False,
    via_matrix: bool = False,
    lookalike: bool = False,
    matrix_room: bool = False,
) -> Pieces:
    w = _widths(width)
    window_text, window_style = window_label(last_inbound, now)
    if via_matrix:
        # A personal chat through a Matrix bridge: no reply window, say where it comes from.
        window_text, window_style = (VIA_MATRIX if w.window >= 10 else "via Mx"), "$muted-text"
    elif matrix_room:
        window_text, window_style = "", ""  # a Matrix room has no reply window
    unread_text = "" if unread <= 0 else ("99+" if unread > 99 else str(unread))
    fixed = 3 + w.account + 1 + w.name + 1 + 3 + 1 + 1 + w.window + 1 + w.time + 1
    room = max(width - fixed, 0)
    marks = [(f"{MUTED_MARK} ", "$warning")] if muted else []
    tags = fit(
        [
            *marks,
            *(
                (sanitize(f"#{label} ", max_chars=24, single_line=True), "$accent")
                for label in labels
            ),
        ],
        room // 2,
    )
    mark = [(f"{DRAFT_MARK} ", "bold $text-warning")] if draft else []
    snippet_text = sanitize(private(snippet), max_chars=room * 2 + 8, single_line=True)
    text = fit([*mark, *tags, (snippet_text, "")], room, ellipsis=True, pad=True)
    return Pieces(
        [
            flag,
            (badge, BADGE_STYLES.get(badge, "bold $accent")),
            (" ", ""),
            *_cell(account, w.account, "$muted-text"),
            (" ", ""),
            *_name_cell(name, w.name, name_style, lookalike),
            (" ", ""),
            (unread_text.rjust(3), "bold $inbox-unread"),
            (" ", ""),
            *text,
            (" ", ""),
            (window_text[: w.window].ljust(w.window), window_style),
            (" ", ""),
            (relative_time(updated, now).rjust(w.time), "$muted-text"),
        ],
        "dim" if muted else "",
    )


@dataclass(frozen=True)
class ConversationRow:
    """One conversation as a list line; ``now`` is when the page was read."""

    conversation: Conversation
    now: datetime
    marked: bool = False
    """Chosen as the first half of a "same person" merge."""
    lookalike: str | None = None
    """The known person's name this stranger's name passes for (TR39 skeleton)."""

    @property
    def key(self) -> Hashable:
        return (self.conversation.account_id, self.conversation.remote_id)

    def render(self, width: int) -> Content:
        return to_content(self.pieces(width))

    def pieces(self, width: int) -> Pieces:
        c = self.conversation
        flag = (
            (MERGE_MARK, "bold $accent")
            if self.marked
            else (PIN_MARK if c.triage.pinned else " ", "$accent")
        )
        return _line(
            flag=flag,
            badge=BADGES.get(c.platform, "??"),
            account=c.account_id,
            name=c.customer.display_name,
            unread=c.unread_count,
            labels=c.triage.labels,
            snippet=c.snippet,
            last_inbound=c.last_inbound_at,
            updated=c.updated_at,
            now=self.now,
            width=width,
            muted=c.triage.muted,
            name_style="bold" if c.unread_count else "",
            draft=c.draft,
            via_matrix=c.platform is not Platform.MATRIX and is_matrix_room(c.remote_id),
            matrix_room=is_matrix_room(c.remote_id),
            lookalike=self.lookalike is not None,
        )


@dataclass(frozen=True)
class PersonRow:
    """One person's conversations folded into one line (the list grouped by person)."""

    person_id: int
    name: str
    latest: Conversation
    """The group's most recent conversation: its snippet and account are shown."""
    size: int
    unread: int
    last_inbound_at: datetime | None
    platforms: tuple[str, ...]
    now: datetime

    @property
    def key(self) -> Hashable:
        return person_key(self.person_id)

    def render(self, width: int) -> Content:
        return to_content(self.pieces(width))

    def pieces(self, width: int) -> Pieces:
        names = sorted({BADGES[Platform(p)] for p in self.platforms if p in _PLATFORM_VALUES})
        where = "+".join(names) or "??"
        return _line(
            flag=(PIN_MARK if self.latest.triage.pinned else "»", "$accent"),
            badge="PR",
            account=f"{where} {self.size}",
            name=self.name or self.latest.customer.display_name,
            unread=self.unread,
            labels=self.latest.triage.labels,
            snippet=self.latest.snippet,
            last_inbound=self.last_inbound_at,
            updated=self.latest.updated_at,
            now=self.now,
            width=width,
            muted=False,
            name_style="bold $accent",
        )


ConversationKey = tuple[str, str]
InboxRow = ConversationRow | PersonRow


def is_person_key(key: Hashable) -> bool:
    return (
        isinstance(key, tuple)
        and len(key) == 2
        and key[0] == "person"
        and (isinstance(key[1], int))
    )


class InboxSource:
    """The rows of the current view, read from the store one page at a time.

    ``count()`` is what the last :meth:`reload` found; the pane reloads, then tells the
    list, whenever the store may have changed.
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        vip: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        self.store = store
        self.clock = clock
        self.vip = vip
        """The VIP entries (ids) in the notification settings, read at each reload."""
        self.known = KnownNames()
        """Skeletons of the names the user knows (see :meth:`refresh_known`)."""
        self._known_at: float | None = None
        self._known_vip: tuple[str, ...] | None = None
        self.view = InboxView()
        self.grouped = False
        self.marked: ConversationKey | None = None
        self._count = 0
        self.loaded: dict[Hashable, InboxRow] = {}
        """Rows read so far, by key: what the triage keys act on."""
        self._stale = False

    def count(self) -> int:
        return self._count

    def known_stale(self) -> bool:
        """The known names were never read, the VIP entries changed, or they are a minute
        old (a new contact's look-alikes are marked within that minute)."""
        return (
            self._known_at is None
            or tuple(self.vip()) != self._known_vip
            or time.monotonic() - self._known_at > KNOWN_NAMES_MAX_AGE
        )

    async def refresh_known(self) -> bool:
        """Read the known names again; ``True`` when the look-alike marks may have changed.

        Off the path of a reload: on a large store there are tens of thousands of names
        and folding them takes a second or more, which the first rows must not wait for.
        The fold runs in a thread so the screen keeps drawing meanwhile.
        """
        vip = tuple(self.vip())
        entries = await self.store.known_names(vip)
        known = await asyncio.to_thread(fold_known, entries)
        self._known_at, self._known_vip = time.monotonic(), vip
        if known == self.known:
            return False
        self.known = known
        for key, row in self.loaded.items():
            if isinstance(row, ConversationRow):
                self.loaded[key] = self._marked(row)
        return True

    def relooked(self, row: Row) -> Row:
        """``row`` with its look-alike mark as the known names now say (the same object
        when nothing changed)."""
        return self._marked(row) if isinstance(row, ConversationRow) else row

    def _marked(self, row: ConversationRow) -> ConversationRow:
        customer = row.conversation.customer
        lookalike = self.known.lookalike(
            customer.name, customer.platform_user_id, customer.person_id
        )
        return row if lookalike == row.lookalike else replace(row, lookalike=lookalike)

    async def reload(self) -> int:
        now = self.clock()
        if self.grouped:
            self._count = await self.store.count_groups(self.view, now)
        else:
            self._count = await self.store.count_conversations(self.view, now)
        # The old rows stay until the first new page lands, so a key pressed in between
        # still acts on the highlighted conversation.
        self._stale = True
        return self._count

    async def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        now = self.clock()
        rows: list[InboxRow] = []
        if self.grouped:
            for group in await self.store.groups_page(self.view, offset, limit, now):
                if group.person_id is not None and group.size > 1:
                    rows.append(
                        PersonRow(
                            person_id=group.person_id,
                            name=group.person_name,
                            latest=group.latest,
                            size=group.size,
                            unread=group.unread,
                            last_inbound_at=group.last_inbound_at,
                            platforms=group.platforms,
                            now=now,
                        )
                    )
                else:
                    rows.append(self._row(group.latest, now))
        else:
            page = await self.store.conversations_page(self.view, offset, limit, now)
            rows = [self._row(c, now) for c in page]
        if self._stale or len(self.loaded) > MAX_REMEMBERED_ROWS:
            self.loaded.clear()
            self._stale = False
        self.loaded.update((row.key, row) for row in rows)
        return rows

    def row(self, conversation: Conversation, now: datetime) -> ConversationRow:
        """The list line of one conversation (a live change patches it in)."""
        return self._row(conversation, now)

    def patched(self, count: int) -> None:
        """The view now holds ``count`` rows, after rows were patched in memory."""
        self._count = count

    def _row(self, conversation: Conversation, now: datetime) -> ConversationRow:
        key = (conversation.account_id, conversation.remote_id)
        customer = conversation.customer
        lookalike = self.known.lookalike(
            customer.name, customer.platform_user_id, customer.person_id
        )
        return ConversationRow(conversation, now, marked=key == self.marked, lookalike=lookalike)

    async def index_of(self, key: Hashable) -> int | None:
        now = self.clock()
        if is_person_key(key):
            if not self.grouped:
                return None
            assert isinstance(key, tuple)
            return await self.store.group_position(self.view, now, person_id=key[1])
        if not (isinstance(key, tuple) and len(key) == 2):
            return None
        account_id, remote_id = str(key[0]), str(key[1])
        if self.grouped:
            return await self.store.group_position(
                self.view, now, conversation=(account_id, remote_id)
            )
        return await self.store.position_of(self.view, account_id, remote_id, now)


def header_line(
    source: InboxSource | None, feedback: Content | None = None, new_above: int = 0
) -> Content:
    """The line above the list: view, platform, how many rows, grouping, the merge mark,
    and what the last triage key did."""
    if source is None:
        return Content("")
    view = source.view
    parts: list[Content | str | tuple[str, str]] = [(VIEW_TITLES[view.kind], "bold $accent")]
    if view.platform is not None:
        parts += [" · ", (PLATFORM_TITLES[view.platform], "bold")]
    if view.label is not None:
        parts += [
            " · ",
            safe(f"#{view.label}", style="bold $accent", max_chars=40, single_line=True),
        ]
        parts += [(" (L: all labels)", "$muted-text")]
    count = source.count()
    if source.grouped:
        noun = "entry" if count == 1 else "people and conversations"
    else:
        noun = "conversation" if count == 1 else "conversations"
    parts += [f" · {count:,} {noun}"]
    if source.grouped:
        parts += [" · ", ("grouped by person", "$accent")]
    if source.marked is not None:
        row = source.loaded.get(source.marked)
        name = (
            row.conversation.customer.display_name
            if isinstance(row, ConversationRow)
            else source.marked[1]
        )
        parts += [
            " · marked ",
            safe(private(name), style="bold", max_chars=30, single_line=True),
            (": M on the same person elsewhere links them", "$muted-text"),
        ]
    if new_above:
        parts += [
            " · ",
            (f"↑ {new_above} new above", "bold $inbox-unread"),
            (" (g)", "$muted-text"),
        ]
    if feedback is not None:
        parts += [(" │ ", "$muted-text"), feedback]
    return Content.assemble(*parts)


def empty_view_text(source: InboxSource | None) -> str:
    """What an empty list says, and how to get out of an empty view."""
    if source is None or source.view == InboxView():
        return "No conversations yet: they appear here as soon as a sync brings them."
    return "Nothing in this view. Press a for all conversations."


_WINDOW_MEANING = {
    WindowState.OPEN: "you can reply for {left} more (Meta's 24-hour window after their message)",
    WindowState.CLOSING: "under an hour ({left}) left in the 24-hour reply window",
    WindowState.HUMAN_AGENT: (
        "the 24 h window is over; a person may still answer with the HUMAN_AGENT tag "
        "for {left} (ctrl+t in the conversation)"
    ),
    WindowState.CLOSED: "over 7 days since their last message: Meta accepts no reply",
}


_LEGEND_SEPARATOR = ("  ·  ", "$muted-text")


def legend_line(row: InboxRow | None) -> Content:
    """What the highlighted row's reply-window cell, age and marks mean, in words."""
    if row is None:
        return Content("")
    conversation = row.latest if isinstance(row, PersonRow) else row.conversation
    last_inbound = (
        row.last_inbound_at if isinstance(row, PersonRow) else conversation.last_inbound_at
    )
    window = reply_window(last_inbound, row.now)
    label, style = window_label(last_inbound, row.now)
    parts: list[Content | str | tuple[str, str]] = []
    meaning = _WINDOW_MEANING.get(window.state)
    if meaning is not None:
        left = compact_duration(window.remaining) if window.remaining is not None else ""
        parts += [(label, style), ": ", meaning.format(left=left)]
    age = relative_time(conversation.updated_at, row.now)
    parts.append(_LEGEND_SEPARATOR)
    if age == "now":
        parts += ["last activity ", (age, "bold")]
    elif row.now - conversation.updated_at >= DATED_AFTER:  # shown as a date
        parts += ["last activity on ", (age, "bold")]
    else:
        parts += [(age, "bold"), " ago: last activity"]
    if conversation.triage.pinned:
        parts += [_LEGEND_SEPARATOR, (PIN_MARK, "$accent"), " pinned"]
    return Content.assemble(*parts)
