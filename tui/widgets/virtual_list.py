"""A list that draws only its visible rows, so a million rows cost no more than fifty."""

from __future__ import annotations

import inspect
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import ClassVar, Protocol, Self, runtime_checkable

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.filter import ANSIToTruecolor, DimFilter, Monochrome, NoColor
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.style import Style as VisualStyle

from tui.widgets.pieces import Pieces, fit

__all__ = ["AsyncRowSource", "KeptScrollBar", "PieceRow", "Row", "RowSource", "VirtualList"]

PAGE_SIZE = 200
MAX_CACHED_PAGES = 32
"""About 6,400 rows: enough for a tall terminal plus paging back and forth."""
MAX_CACHED_STRIPS = 512
"""Drawn lines kept: a few screens, so moving back over rows just seen draws nothing."""
DRAW_AHEAD_BUDGET = 0.004
"""Seconds of drawing rows ahead per idle turn, so a key pressed meanwhile waits no longer."""
DRAW_AHEAD_AFTER_FRAME = 0.002
"""Seconds drawing ahead waits once a frame showing the list is over: while the loop
sleeps, Textual's writer thread puts that frame on the terminal (a loop busy drawing
would hand it the GIL only at the interpreter's switch interval, see ``tui.gcpolicy``,
once per write: a frame drawn ahead of would reach the terminal milliseconds late)."""
DRAW_AHEAD_GAP = 0.0005
"""Seconds between two turns of drawing ahead, for the keys and messages that came."""


class Row(Protocol):
    """One line of the list."""

    @property
    def key(self) -> Hashable:
        """Stable identity: the cursor follows it when rows move."""
        ...

    def render(self, width: int) -> Content | Strip:
        """The row drawn in ``width`` cells (outside text must go through ``safe``)."""
        ...


class PieceRow(Row, Protocol):
    """A row that can also give its line as styled pieces, which the list draws straight
    to segments (a tenth of the cost of ``Content``); ``render`` must agree with it."""

    def pieces(self, width: int) -> Pieces:
        """The row's line in ``width`` cells as sanitised, styled pieces."""
        ...


@runtime_checkable
class RowSource(Protocol):
    """Rows available at once (in memory, or a synchronous cache in front of the store)."""

    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> Sequence[Row]: ...

    def index_of(self, key: Hashable) -> int | None:
        """Where the row with this key is now, or ``None`` if it is gone."""
        ...


@runtime_checkable
class AsyncRowSource(Protocol):
    """Rows that take a trip to the store: fetched in pages, drawn when they land.

    ``count()`` stays synchronous: the owner keeps it current and calls
    ``VirtualList.source_changed()`` when it changes.
    """

    def count(self) -> int: ...

    async def fetch(self, offset: int, limit: int) -> Sequence[Row]: ...

    def index_of(self, key: Hashable) -> int | Awaitable[int | None] | None: ...


class KeptScrollBar(ScrollBar):
    """A scrollbar that hands back the lines it drew last while they would come out the
    same. Its thumb moves in eighths of a cell: on a list of 50,000 rows that is once in
    some two hundred rows, yet Textual draws the whole bar again whenever the list scrolls
    by one. What it would draw (the bar's segments, a few dozen) is compared, so any change
    of position, size, hover or colour draws it again."""

    _kept: tuple[Hashable, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        console = self.app.console
        options = console.options.update_dimensions(self.size.width, self.size.height)
        key = (crop, self.size, tuple(console.render(self.render(), options)))
        if self._kept is not None and self._kept[0] == key:
            return self._kept[1]
        strips = super().render_lines(crop)
        self._kept = (key, strips)
        return strips

    def notify_style_update(self) -> None:
        self._kept = None
        super().notify_style_update()


class VirtualList(ScrollView, can_focus=True):
    """A keyboard-driven list over a :class:`RowSource` or :class:`AsyncRowSource`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page-up"),
        Binding("enter", "select", "Open", id="list.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-list--cursor", "virtual-list--pending"}

    DEFAULT_CSS = """
    VirtualList {
        height: 1fr;
        overflow-x: hidden;
        & > .virtual-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-list--pending {
            color: $text-muted;
        }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)
    """Index of the highlighted row."""

    @dataclass
    class Selected(Message):
        """The user pressed enter on a row."""

        key: Hashable

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another row."""

        key: Hashable | None

    @dataclass
    class NewAbove(Message):
        """How many rows arrived above the view and have not been scrolled to yet."""

        count: int

    def __init__(
        self,
        source: RowSource | AsyncRowSource,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self._pages: OrderedDict[int, Sequence[Row]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self._count = source.count()
        self._cursor_key: Hashable | None = None
        self._moves = 0
        """Cursor moves made by the user (keys, clicks): a pending re-find must not undo one."""
        self.virtual_size = Size(0, self._count)
        self.new_above = 0
        """Rows inserted above the view (the cursor kept its row) not yet scrolled to."""
        self._strips: OrderedDict[tuple[int, int, bool, bool], tuple[Row, Strip]] = OrderedDict()
        """Drawn lines by (row object's id, width, cursor, focus), each with the row it drew
        (an id is only trusted with its row object alive: rows are immutable). Wherever a
        row moves (rows came above it), its line is reused; cleared on any style change."""
        self._finished: OrderedDict[int, tuple[Strip, Strip]] = OrderedDict()
        """Lines ready for the screen (padded, filtered) by the drawn line's id."""
        self._finished_for: tuple[object, ...] | None = None
        """The (width, full width, background, filters) ``_finished`` was made for."""
        self._turn: Callable[[Style | None], Style | None] | None = None
        """This frame's line filters as one style at a time (see :meth:`_finisher`), or
        None while no frame has set it or a filter must see whole lines."""
        self._pad: Strip | None = None
        """What fills the scrollbar's columns under the bar, finished (set with ``_turn``;
        None without a bar). One strip shared by every line: it is immutable."""
        self._row_styles: dict[tuple[bool, bool], VisualStyle] = {}
        """The base style of a row, cursor or not, focused or not, for this frame."""
        self._filtered: dict[Style, Style | None] = {}
        """Each style the lines use, as the app's line filters turn it (this theme)."""
        self._piece_styles: dict[tuple[str, str, bool, bool, bool], Style | None] = {}
        """Styles of rows drawn from pieces, by (style, over-style, cursor, focus, turned
        by the line filters)."""
        self._drawing_ahead = False
        self._frame_due = False
        """A redraw was asked for and is not on screen yet: drawing ahead waits for it."""
        self._drawn_at = 0.0
        """When the list last drew its lines for a frame (``time.perf_counter``)."""
        self._frame_seen = 0.0
        """``_drawn_at`` of the last frame drawing ahead has waited for."""
        self._frame_over_at = 0.0
        """When drawing ahead first found that frame over (its text on its way out)."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's own property, making a :class:`KeptScrollBar` instead."""
        if self._vertical_scrollbar is None:
            bar = KeptScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    @property
    def row_count(self) -> int:
        """How many rows the source had when last asked."""
        return self._count

    @property
    def cursor_key(self) -> Hashable | None:
        """Key of the highlighted row (``None`` while its page is still loading)."""
        return self._cursor_key

    @property
    def _is_async(self) -> bool:
        return not hasattr(self.source, "rows") and hasattr(self.source, "fetch")

    # --- rows and pages -------------------------------------------------------------

    def _row_at(self, index: int) -> Row | None:
        """The row at ``index`` if it is cached or can be read at once; else starts a fetch."""
        if not 0 <= index < self._count:
            return None
        page_no, slot = divmod(index, PAGE_SIZE)
        page = self._pages.get(page_no)
        if page is None:
            if self._is_async:
                self._request_page(page_no)
                return None
            assert isinstance(self.source, RowSource)
            page = self.source.rows(page_no * PAGE_SIZE, PAGE_SIZE)
            self._store_page(page_no, page)
        else:
            self._pages.move_to_end(page_no)
        return page[slot] if slot < len(page) else None

    def _store_page(self, page_no: int, page: Sequence[Row]) -> None:
        self._pages[page_no] = page
        self._pages.move_to_end(page_no)
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)

    def _request_page(self, page_no: int) -> None:
        if page_no in self._pending:
            return
        self._pending.add(page_no)
        self._fetch_page(page_no, self._generation)

    @work(group="virtual-list-fetch", exit_on_error=False)
    async def _fetch_page(self, page_no: int, generation: int) -> None:
        fetch = getattr(self.source, "fetch")  # noqa: B009 - only async sources get here
        try:
            page: Sequence[Row] = await fetch(page_no * PAGE_SIZE, PAGE_SIZE)
        finally:
            if generation == self._generation:
                self._pending.discard(page_no)
        if generation != self._generation:
            return  # the source changed while we waited: these rows may be stale
        self._store_page(page_no, page)
        first, end = page_no * PAGE_SIZE, (page_no + 1) * PAGE_SIZE
        if first <= self.cursor < end:
            self._remember_cursor_key()
        top = round(self.scroll_offset.y)
        if first < top + self.scrollable_content_region.height and end > top:
            self.refresh()  # its rows take the place of the "…" drawn for them
        # A page read ahead of the view draws no frame: a frame now would make the next
        # key wait for the following tick of Textual's 60 fps update timer.
        self._draw_ahead_soon()

    # --- drawing --------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        return self._line(self.scroll_offset.y + y, self.scrollable_content_region.width)

    def _line(self, index: int, width: int) -> Strip:
        """The line of row ``index``: a blank past the end, ``…`` while its page is read."""
        if index >= self._count:
            return Strip.blank(width, self.get_visual_style().rich_style)
        is_cursor = index == self.cursor
        row = self._row_at(index)
        if row is None:
            style = self.get_visual_style("virtual-list--pending")
            if is_cursor:
                style = self.get_visual_style("virtual-list--cursor")
            return Strip(Content("…").truncate(width, pad=True).render_segments(style), width)
        return self._strip(row, width, is_cursor)

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        self._frame_due = True
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The visible lines, the very ``Strip`` objects :meth:`_strip` keeps, with the
        app's line filters applied (each strip caches its filtered copy). Textual's own
        path copies every line into a new ``Strip`` each frame (for padding, borders,
        tint), and a new strip must then be divided at the screen's cuts again, where a
        kept one has them cached from the last frame. A list with a box around or over
        its lines (padding, border, outline, tint, opacity, hatch) takes Textual's path."""
        self._frame_due = False
        self._drawn_at = time.perf_counter()
        if not self._plain_box():
            if self._turn is not None:  # lines drawn finished: Textual's path finishes them
                self._turn = self._pad = self._finished_for = None
                self._strips.clear()
            return super().render_lines(crop)
        width = self.scrollable_content_region.width
        top = self.scroll_offset.y
        finish = self._finisher()
        strips = [finish(self._line(top + y, width)) for y in crop.line_range]
        full = self.content_region.width
        if crop.column_span != (0, full):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _finisher(self) -> Callable[[Strip], Strip]:
        """What Textual does to a drawn line on its way to the screen, for this frame: pad
        it over the scrollbar's columns (the bar is drawn over them) and apply the app's
        line filters, each style turned once per theme rather than once per segment.

        Rows are drawn finished (:meth:`_strip` uses the turned styles and the pad set
        here), so for them this is a type check; other lines are finished here and kept
        with the drawn one, so a kept line costs a lookup."""
        width = self.scrollable_content_region.width
        full = self.content_region.width
        base, background = self.background_colors
        pad = VisualStyle(background=base + background).rich_style
        filters = self.get_line_filters()
        state = (width, full, background, *filters)
        changed = self._finished_for != state
        if changed:
            self._finished_for = state
            self._finished.clear()
            self._filtered.clear()
            self._piece_styles.clear()
            self._strips.clear()  # drawn finished for another width, background or filter
        finished = self._finished
        filtered = self._filtered
        per_segment = all(type(f) in _PER_SEGMENT_FILTERS for f in filters)

        def turned(style: Style | None) -> Style | None:
            if style is None:
                return None
            if style not in filtered:
                segments = [Segment(" ", style)]
                for line_filter in filters:
                    segments = line_filter.apply(segments, background)
                filtered[style] = segments[0].style
            return filtered[style]

        self._turn = turned if per_segment else None
        if changed:
            self._pad = None
            if full > width:
                self._pad = Strip([Segment(" " * (full - width), turned(pad))], full - width)
        self._row_styles.clear()

        def finish(strip: Strip) -> Strip:
            if type(strip) is _Finished:
                return strip
            kept = finished.get(id(strip))
            if kept is not None and kept[0] is strip:
                finished.move_to_end(id(strip))
                return kept[1]
            if not filters and strip.cell_length == full:
                done = strip
            elif not per_segment or strip.cell_length > full:
                done = strip.adjust_cell_length(full, pad)
                for line_filter in filters:
                    done = done.apply_filter(line_filter, background)
            else:
                segments = list(strip)
                if strip.cell_length < full:
                    segments.append(Segment(" " * (full - strip.cell_length), pad))
                done = Strip([Segment(text, turned(style)) for text, style, _ in segments], full)
            finished[id(strip)] = (strip, done)
            if len(finished) > MAX_CACHED_STRIPS:
                finished.popitem(last=False)
            return done

        return finish

    def _plain_box(self) -> bool:
        """Nothing around or over the lines that Textual's styles cache would draw."""
        styles = self.styles
        return (
            not any(styles.gutter)
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and self.opacity == 1.0
            and styles.text_opacity == 1.0
            and styles.hatch in (None, "none")
            and self.BLANK is False
        )

    def _strip(self, row: Row, width: int, is_cursor: bool) -> Strip:
        """The line for ``row``: from the cache, or drawn and cached. Once a frame has set
        the line filters (:meth:`_finisher`), the line is drawn finished: its styles
        turned by them as it is built, padded over the scrollbar's columns, merged once."""
        key = (id(row), width, is_cursor, self.has_focus)
        cached = self._strips.get(key)
        if cached is not None and cached[0] is row:
            self._strips.move_to_end(key)
            return cached[1]
        style = self._row_styles.get((is_cursor, key[3]))
        if style is None:
            style = self.get_visual_style(*(["virtual-list--cursor"] if is_cursor else []))
            self._row_styles[is_cursor, key[3]] = style
        turn = self._turn
        pieces = getattr(row, "pieces", None)
        drawn = pieces(width) if pieces is not None else row.render(width)
        segments: list[Segment]
        if isinstance(drawn, Pieces):
            segments = self._piece_segments(drawn, width, is_cursor, style, turn)
        else:
            if isinstance(drawn, Strip):
                rich_style = style.rich_style
                segments = list(drawn.apply_style(rich_style).adjust_cell_length(width, rich_style))
            else:
                segments = drawn.first_line.truncate(width, pad=True).render_segments(style)
            if turn is not None:
                segments = [Segment(text, turn(s), control) for text, s, control in segments]
        strip: Strip
        merged = merge_blanks(segments)
        pad = self._pad
        if turn is None:
            strip = Strip(merged, width)
        elif pad is None:
            strip = _Finished(merged, width)
        else:
            full = width + pad.cell_length
            strip = _Finished([*merged, *pad], full)
            # The compositor cuts the line where the scrollbar begins: the two parts are
            # known here, and Rich would measure every segment again to find them.
            strip._divide_cache[width, full] = [Strip(merged, width), pad]
        self._strips[key] = (row, strip)
        self._strips.move_to_end(key)
        if len(self._strips) > MAX_CACHED_STRIPS:
            self._strips.popitem(last=False)
        return strip

    def _piece_segments(
        self,
        line: Pieces,
        width: int,
        is_cursor: bool,
        base: VisualStyle,
        turn: Callable[[Style | None], Style | None] | None = None,
    ) -> list[Segment]:
        """The segments ``Content.render_segments(base)`` would give for the line as
        Content, with each style resolved once (per theme, cursor and focus), not per row,
        and turned by ``turn`` (the line filters) when given."""
        over = line.over
        focus = self.has_focus
        styles = self._piece_styles
        turned = turn is not None
        segments: list[Segment] = []
        plain = False  # the last segment is unstyled text: Content draws such runs as one
        for text, style in fit(line.pieces, width, pad=True):
            if not text:
                continue
            if plain and not style:
                segments[-1] = Segment(segments[-1].text + text, segments[-1].style)
                continue
            plain = not style
            key = (style, over, is_cursor, focus, turned)
            resolved = styles.get(key, _UNKNOWN)
            if resolved is _UNKNOWN:
                probe = Content.styled("x", style) if style else Content("x")
                resolved = probe.stylize(over).render_segments(base)[0].style
                styles[key] = resolved = turn(resolved) if turn is not None else resolved
            segments.append(Segment(text, resolved))
        return segments

    def on_resize(self) -> None:
        self._draw_ahead_soon()  # the first screen, or a new width: nothing drawn ahead yet

    def _draw_ahead_soon(self, *, after_frame: bool = True) -> None:
        """Draw ahead once the frame being prepared is out (or, to go on with the rest,
        after the keys and messages that came meanwhile)."""
        if not self._drawing_ahead:
            self._drawing_ahead = True
            if after_frame:
                self.call_after_refresh(self._draw_ahead)
            else:
                self.set_timer(DRAW_AHEAD_GAP, self._draw_ahead)

    def _draw_ahead(self) -> None:
        """Draw the screen below the view and the one above while nothing else happens, so
        a ``pagedown`` (or a scroll) finds its lines drawn and only composes them, and the
        rows the next key may put the cursor on, drawn as the cursor's line. Rows not read
        yet are skipped (their page is on its way); a few milliseconds at a time."""
        self._drawing_ahead = False
        if self._frame_due:
            # A key (or new rows) asked for a frame since this was planned: the frame goes
            # first, drawing ahead after it (once: a list out of sight draws no frame).
            self._frame_due = False
            self._draw_ahead_soon()
            return
        now = time.perf_counter()
        if self._drawn_at != self._frame_seen:
            # A frame drew the list since the last look, and is over by now (this runs
            # between messages): its text is on its way to the terminal from this moment.
            self._frame_seen = self._drawn_at
            self._frame_over_at = now
        since_frame = now - self._frame_over_at
        if since_frame < DRAW_AHEAD_AFTER_FRAME:
            self._drawing_ahead = True
            self.set_timer(DRAW_AHEAD_AFTER_FRAME - since_frame, self._draw_ahead)
            return
        region = self.scrollable_content_region
        height, width = region.height, region.width
        if height <= 0 or width <= 0:
            return
        top = round(self.scroll_offset.y)
        cursor = self.cursor
        finish = self._finisher()
        # The compositor cuts each line where the scrollbar starts and writes each piece as
        # terminal text; both are cached by the strips, so doing them here leaves the frame
        # that shows these lines only lookups.
        full = self.content_region.width
        cuts = [width, full] if width != full else [full]
        console = self.app.console
        started = time.perf_counter()
        next_cursor = ((cursor + step, True) for step in (1, -1, height, -height))
        around = chain(range(top + height, top + 2 * height), range(top - height, top))
        for index, as_cursor in chain(next_cursor, ((index, False) for index in around)):
            if (index == cursor and not as_cursor) or not 0 <= index < self._count:
                continue
            page = self._pages.get(index // PAGE_SIZE)
            slot = index % PAGE_SIZE
            if page is not None and slot < len(page):
                # Drawn and finished once (the strip keeps its finished copy), then reused.
                for piece in finish(self._strip(page[slot], width, as_cursor)).divide(cuts):
                    piece.render(console)
            if time.perf_counter() - started > DRAW_AHEAD_BUDGET:
                self._draw_ahead_soon(after_frame=False)  # the rest after waiting messages
                return

    def notify_style_update(self) -> None:
        """A theme or class change restyles every row: nothing drawn before is reused."""
        self._strips.clear()
        self._finished.clear()
        self._filtered.clear()
        self._piece_styles.clear()
        self._row_styles.clear()
        super().notify_style_update()

    def screen_share_changed(self) -> None:
        """Names are drawn hidden or shown now: draw every row again (the app calls this)."""
        self._strips.clear()
        self._finished.clear()

    # --- cursor ---------------------------------------------------------------------

    def _remember_cursor_key(self, *, tell: bool = True) -> None:
        """Keep the highlighted row's key; when it is another row now (its page was read,
        the rows changed under the cursor), say so with ``Highlighted``: what describes
        the highlighted row (the inbox's legend) must not keep describing the one before."""
        row = self._row_at(self.cursor)
        key = row.key if row is not None else None
        if key != self._cursor_key:
            self._cursor_key = key
            if tell:
                self.post_message(self.Highlighted(key))

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, self._count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._moves += 1
        self._remember_cursor_key(tell=False)  # said below, whether the key changed or not
        self._scroll_to_cursor()
        self.refresh_line(old)
        self.refresh_line(new)
        self._prefetch_near(new)
        self._draw_ahead_soon()
        self.post_message(self.Highlighted(self._cursor_key))

    def _prefetch_near(self, index: int) -> None:
        """Start reading the pages a screen above and below the cursor, so paging into
        them finds their rows already there instead of placeholders and a store trip."""
        if not self._is_async:
            return
        reach = max(1, self.scrollable_content_region.height) * 2
        for near in (index - reach, index + reach):
            if 0 <= near < self._count:
                page_no = near // PAGE_SIZE
                if page_no not in self._pages:
                    self._request_page(page_no)

    def _set_new_above(self, count: int) -> None:
        count = max(0, min(count, round(self.scroll_offset.y)))
        if count != self.new_above:
            self.new_above = count
            self.post_message(self.NewAbove(count))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.new_above > new:
            self._set_new_above(round(new))

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self._count - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height)

    def action_select(self) -> None:
        if self._count and self._cursor_key is not None:
            self.post_message(self.Selected(self._cursor_key))

    # --- changes in the source ------------------------------------------------------

    def source_changed(self, *, arrived: bool = True, cursor: int | None = None) -> None:
        """Call when rows were added, removed or reordered: the cursor stays on its row.

        If rows were inserted above the cursor, the view scrolls by as many lines,
        so the highlighted row does not move on screen either. ``arrived=False``: the
        source now shows other rows (another view), so none of those above is new: the
        count of new rows above starts again from nothing, and the view moves only as far
        as it takes to show the highlighted row. ``cursor``: the rows are all new (a new
        search), so the cursor goes to that row instead, and the view as far as it takes
        to show it; like a change that moves the cursor's row, this posts no
        ``Highlighted`` (setting ``cursor`` after the change would, and would draw twice).
        """
        if not arrived or cursor is not None:
            self._set_new_above(0)
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        old_cursor = self.cursor
        self._count = self.source.count()
        self._set_virtual_height(self._count)
        if cursor is not None:
            # The owner chose the row: nothing to tell it (a message would cost the frame
            # that shows the new rows a turn of the loop).
            self._move_after_change(old_cursor, cursor, arrived=False, tell=False)
            return
        key = self._cursor_key
        if key is None:
            self._move_after_change(old_cursor, old_cursor)
            return
        found = self.source.index_of(key)
        if inspect.isawaitable(found):
            self._follow_key(found, key, old_cursor, self._moves, arrived)
        else:
            self._move_after_change(old_cursor, old_cursor if found is None else found, arrived)

    def _set_virtual_height(self, rows: int) -> None:
        """A new row count. Textual's ``virtual_size`` asks for a layout pass over the whole
        screen when it changes, yet a list's size does not depend on its rows: only its
        scrollbar does (its thumb, and whether it shows at all, which still lays the
        screen out). Updated here the way Textual's own resize path updates it."""
        size = Size(0, rows)
        if size == self.virtual_size:
            return
        if not self.is_mounted or not self.container_size:
            self.virtual_size = size  # not laid out yet: the first layout sizes it
            return
        self.set_reactive(VirtualList.virtual_size, size)
        self._scroll_update(size)  # the bar's thumb, its showing or not, the scroll kept in range
        self.refresh()

    def cached_top(self) -> list[Row]:
        """The rows cached without a gap from the first one (the window a live change can
        patch in memory); empty when the first page is not cached."""
        rows: list[Row] = []
        page_no = 0
        while page_no in self._pages:
            page = self._pages[page_no]
            rows.extend(page)
            if len(page) < PAGE_SIZE:
                break
            page_no += 1
        return rows

    def rows_restyled(self, update: Callable[[Row], Row]) -> None:
        """Every row in memory passed through ``update`` (same keys, same order, another
        look); the list is drawn again when any row changed (drawn lines are cached per
        row object, so unchanged rows cost nothing)."""
        changed = False
        for page_no, page in list(self._pages.items()):
            new = [update(row) for row in page]
            if any(a is not b for a, b in zip(new, page, strict=True)):
                self._pages[page_no] = new
                changed = True
        if changed:
            self.refresh()

    def rows_patched(self, rows: Sequence[Row], count: int) -> None:
        """The first rows changed in memory (one came, went or moved): ``rows`` replace the
        cached ones from the top and ``count`` is the new total. No page is read again;
        the cursor stays on its row (as with :meth:`source_changed`)."""
        before = self.cached_top()
        self._generation += 1  # a page being read now predates the change
        self._pages.clear()
        self._pending.clear()
        whole = len(rows) if len(rows) >= count else len(rows) - len(rows) % PAGE_SIZE
        for page_no in range(0, (whole + PAGE_SIZE - 1) // PAGE_SIZE):
            self._pages[page_no] = rows[page_no * PAGE_SIZE : (page_no + 1) * PAGE_SIZE]
        old_cursor = self.cursor
        self._count = count
        self._set_virtual_height(count)
        key = self._cursor_key
        found = next((i for i, row in enumerate(rows) if row.key == key), None)
        new_cursor = old_cursor if found is None else found
        if new_cursor != old_cursor:
            # Rows came or went above the cursor: the view scrolls with it, all lines move.
            self._move_after_change(old_cursor, new_cursor)
            return
        self.set_reactive(VirtualList.cursor, self.validate_cursor(new_cursor))
        self._remember_cursor_key()
        # Like a cursor move: only the lines whose row changed are drawn again.
        top = round(self.scroll_offset.y)
        for index in range(top, top + self.scrollable_content_region.height):
            if index >= len(rows) or index >= len(before) or rows[index] is not before[index]:
                self.refresh_line(index)

    @work(group="virtual-list-follow", exclusive=True, exit_on_error=False)
    async def _follow_key(
        self,
        found: Awaitable[int | None],
        key: Hashable,
        old_cursor: int,
        moves: int,
        arrived: bool = True,
    ) -> None:
        index = await found
        if self._moves != moves:
            # The user moved the cursor while the row was being found (on a busy machine
            # this takes a while): their move wins over the remembered row.
            return
        self._cursor_key = key
        self._move_after_change(old_cursor, old_cursor if index is None else index, arrived)

    def _move_after_change(
        self, old_cursor: int, new_cursor: int, arrived: bool = True, *, tell: bool = True
    ) -> None:
        shift = new_cursor - old_cursor
        # Rows that arrived above move the view with them, so the highlighted row stays
        # where it was on screen; in another view the list stays where it was, moved
        # only as far as it takes to show the highlighted row.
        if shift and arrived:
            self.scroll_to(y=self.scroll_offset.y + shift, animate=False, immediate=True)
        if shift > 0 and arrived:
            self._set_new_above(self.new_above + shift)
        self.set_reactive(VirtualList.cursor, self.validate_cursor(new_cursor))
        self._remember_cursor_key(tell=tell)
        self._scroll_to_cursor()
        self.refresh()


_PER_SEGMENT_FILTERS = (ANSIToTruecolor, DimFilter, Monochrome, NoColor)
"""Textual's line filters that turn each segment's style on its own (none looks at a
neighbour), so a style can be turned once and reused."""

_UNKNOWN = Style()
"""Not resolved yet (a style cache's miss: ``None`` is a style there)."""


class _Finished(Strip):
    """A line drawn ready for the screen (padded, filtered): finishing it is a no-op."""

    __slots__ = ()


_SHOWS_ON_BLANKS = ("underline", "underline2", "strike", "overline", "reverse", "frame", "encircle")


@lru_cache(maxsize=1024)
def _blanks_look_alike(one: Style | None, other: Style | None) -> bool:
    """Whether spaces drawn in ``one`` look like spaces drawn in ``other``: the same
    background, and nothing either style draws on blanks (an underline, a link...)."""
    if one is None or other is None or one.bgcolor != other.bgcolor:
        return False
    return not any(
        style.link or any(getattr(style, name) for name in _SHOWS_ON_BLANKS)
        for style in (one, other)
    )


def merge_blanks(segments: Iterable[Segment]) -> list[Segment]:
    """The same line in fewer segments: runs of spaces take a neighbour's style when that
    cannot change how they look (same background, nothing drawn on blanks), and neighbours
    of one style are joined. An inbox row goes from about twelve segments to seven, and
    every later step of a frame (cropping, styling, composing) costs per segment."""
    out: list[Segment] = []
    run: str | None = None  # the text of the segment being grown, not in ``out`` yet
    run_style: Style | None = None
    for segment in segments:
        text, style, control = segment
        if control is not None:
            if run is not None:
                out.append(Segment(run, run_style))
                run = None
            out.append(segment)
        elif run is None:
            run, run_style = text, style
        elif style is run_style or style == run_style:
            run += text
        else:
            blank = not text.strip(" ")
            if (blank or not run.strip(" ")) and _blanks_look_alike(run_style, style):
                run += text
                if not blank:
                    run_style = style
            else:
                out.append(Segment(run, run_style))
                run, run_style = text, style
    if run is not None:
        out.append(Segment(run, run_style))
    return out
