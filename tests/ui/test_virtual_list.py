"""The virtual list stays instant on a million rows and keeps its cursor on the same row."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.content import Content
from textual.filter import DimFilter
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.virtual_list import PAGE_SIZE, KeptScrollBar, Row, VirtualList, merge_blanks

MILLION = 1_000_000


@dataclass(frozen=True)
class FakeRow:
    key: str

    def render(self, width: int) -> Content:
        return Content(f"row {self.key}")


@dataclass
class MillionRows:
    """A million rows that exist only as arithmetic; new rows can be put on top."""

    size: int = MILLION
    top: list[str] = field(default_factory=list)
    calls: list[tuple[int, int]] = field(default_factory=list)

    def count(self) -> int:
        return self.size + len(self.top)

    def key_at(self, index: int) -> str:
        if index < len(self.top):
            return self.top[index]
        return f"m{index - len(self.top)}"

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        self.calls.append((offset, limit))
        end = min(offset + limit, self.count())
        return [FakeRow(self.key_at(i)) for i in range(offset, end)]

    def index_of(self, key: Hashable) -> int | None:
        assert isinstance(key, str)
        if key in self.top:
            return self.top.index(key)
        return int(key[1:]) + len(self.top)


class AsyncRows:
    """The same, but rows arrive only after an await (like the store)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.release = asyncio.Event()
        self.fetches: list[int] = []

    def count(self) -> int:
        return self.size

    async def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        self.fetches.append(offset)
        await self.release.wait()
        return [FakeRow(f"m{i}") for i in range(offset, min(offset + limit, self.size))]

    def index_of(self, key: Hashable) -> int | None:
        return int(str(key)[1:])


class ListApp(App[None]):
    def __init__(self, source: MillionRows | AsyncRows) -> None:
        super().__init__()
        self.source = source
        self.selected: list[Hashable] = []
        self.highlighted: list[Hashable] = []

    def compose(self) -> ComposeResult:
        yield VirtualList(self.source)

    def on_virtual_list_selected(self, message: VirtualList.Selected) -> None:
        self.selected.append(message.key)

    def on_virtual_list_highlighted(self, message: VirtualList.Highlighted) -> None:
        self.highlighted.append(message.key)


def visible_text(app: App[None]) -> list[str]:
    vlist = app.query_one(VirtualList)
    return [vlist.render_line(y).text.rstrip() for y in range(vlist.size.height)]


async def settled(pilot: Pilot[None]) -> None:
    """Wait until the list has drawn ahead everything it draws while idle."""
    vlist = pilot.app.query_one(VirtualList)
    await pilot.pause()
    for _ in range(100):
        if not vlist._drawing_ahead:
            return
        await pilot.pause(0.01)
    raise AssertionError("the list kept drawing ahead")


async def test_keys_move_over_a_million_rows_instantly() -> None:
    source = MillionRows()
    app = ListApp(source)
    async with app.run_test(size=(40, 12)) as pilot:
        vlist = app.query_one(VirtualList)
        started = time.perf_counter()
        await pilot.press("G")
        assert vlist.cursor == MILLION - 1
        assert vlist.cursor_key == f"m{MILLION - 1}"
        await pilot.pause()
        assert visible_text(app)[-1] == f"row m{MILLION - 1}"
        await pilot.press("g", "j", "j", "j", "k")
        assert vlist.cursor == 2
        assert visible_text(app)[0] == "row m0"
        await pilot.press("pagedown")
        assert vlist.cursor == 2 + 12
        await pilot.press("pageup", "pageup")
        assert vlist.cursor == 0
        await pilot.press("up")
        assert vlist.cursor == 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ["m0"]
        assert time.perf_counter() - started < 3.0
        rows_read = sum(limit for _, limit in source.calls)
        assert rows_read <= 4 * PAGE_SIZE


async def test_cursor_stays_on_its_row_when_rows_arrive_on_top() -> None:
    source = MillionRows()
    app = ListApp(source)
    async with app.run_test(size=(40, 12)) as pilot:
        vlist = app.query_one(VirtualList)
        await pilot.press(*"jjjjj")
        assert vlist.cursor_key == "m5"
        screen_row = vlist.cursor - vlist.scroll_offset.y
        source.top[:0] = ["new1", "new2", "new3"]
        vlist.source_changed()
        await pilot.pause()
        assert vlist.row_count == MILLION + 3
        assert vlist.cursor == 8
        assert vlist.cursor_key == "m5"
        # The highlighted row did not jump on screen either.
        assert vlist.cursor - vlist.scroll_offset.y == screen_row
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ["m5"]


async def test_all_new_rows_put_the_cursor_where_asked_and_the_view_with_it() -> None:
    """A new search: every row is new, the cursor goes to the first, the view to the
    top, nothing counts as arrived above, and no ``Highlighted`` is posted (the owner
    chose the row; a message would cost the frame that shows it a turn of the loop)."""
    source = MillionRows()
    app = ListApp(source)
    highlighted = app.highlighted
    async with app.run_test(size=(40, 12)) as pilot:
        vlist = app.query_one(VirtualList)
        await pilot.press("G")
        await pilot.pause()
        highlighted.clear()
        source.size = 30
        vlist.source_changed(cursor=0)
        await pilot.pause()
        assert (vlist.cursor, vlist.cursor_key, vlist.scroll_offset.y) == (0, "m0", 0)
        assert vlist.new_above == 0
        assert visible_text(app)[0] == "row m0"
        assert highlighted == []
        await pilot.press("j")
        await pilot.pause()
        assert highlighted == ["m1"]  # moving from there is the user's, and says so


async def test_rendering_reads_only_visible_pages() -> None:
    source = MillionRows()
    app = ListApp(source)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert source.calls == [(0, PAGE_SIZE)]
        vlist = app.query_one(VirtualList)
        vlist.scroll_to(y=500_000, animate=False, immediate=True)
        await pilot.pause()
        offsets = {offset for offset, _ in source.calls}
        assert offsets == {0, 500_000}


async def test_async_source_draws_placeholder_then_rows() -> None:
    source = AsyncRows(10_000)
    app = ListApp(source)
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        assert visible_text(app)[0] == "…"
        assert source.fetches == [0]  # one fetch, however many lines asked
        source.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert visible_text(app)[:2] == ["row m0", "row m1"]
        assert app.query_one(VirtualList).cursor_key == "m0"


class SlowIndexRows(AsyncRows):
    """Rows whose positions also come from the store (an awaited index_of)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.top = 0

    async def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        end = min(offset + limit, self.size + self.top)
        return [FakeRow(self.key(i)) for i in range(offset, end)]

    def count(self) -> int:
        return self.size + self.top

    def key(self, index: int) -> str:
        return f"new{index}" if index < self.top else f"m{index - self.top}"

    async def index_of(self, key: Hashable) -> int | None:  # type: ignore[override]
        await asyncio.sleep(0)
        return int(str(key)[1:]) + self.top


async def test_async_source_keeps_the_cursor_key_across_inserts() -> None:
    source = SlowIndexRows(5_000)
    app = ListApp(source)
    async with app.run_test(size=(40, 8)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        vlist = app.query_one(VirtualList)
        await pilot.press("j", "j", "j")
        assert vlist.cursor_key == "m3"
        source.top = 10
        vlist.source_changed()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert vlist.cursor == 13
        assert vlist.cursor_key == "m3"
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ["m3"]


class HeldIndexRows(SlowIndexRows):
    """Finding a row waits until the test lets it (a busy store)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.found = asyncio.Event()

    async def index_of(self, key: Hashable) -> int | None:  # type: ignore[override]
        await self.found.wait()
        return int(str(key)[1:]) + self.top


async def test_a_key_pressed_while_the_row_is_being_found_is_not_undone() -> None:
    # Issue 17 item 14: on a loaded machine a reload's re-find of the cursor's row finished
    # after the user's "g" and moved the cursor back to the old row.
    source = HeldIndexRows(5_000)
    app = ListApp(source)
    async with app.run_test(size=(40, 8)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        vlist = app.query_one(VirtualList)
        await pilot.press("j", "j", "j")
        assert vlist.cursor == 3
        source.top = 10
        vlist.source_changed()  # the re-find of "m3" is now pending
        await pilot.press("g")
        source.found.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert vlist.cursor == 0
        assert vlist.cursor_key == "new0"


DRAWN: list[str] = []
"""Rows drawn by a key's frame (rows drawn ahead while the list is idle are not listed)."""
AHEAD: list[bool] = [False]


@dataclass(frozen=True)
class CountedRow:
    key: str

    def render(self, width: int) -> Content:
        if not AHEAD[0]:
            DRAWN.append(self.key)
        return Content(f"row {self.key}")


@pytest.fixture
def drawn_ahead_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows drawn while the list draws ahead are left out of DRAWN."""
    draw_ahead = VirtualList._draw_ahead

    def watched(self: VirtualList) -> None:
        AHEAD[0] = True
        try:
            draw_ahead(self)
        finally:
            AHEAD[0] = False

    monkeypatch.setattr(VirtualList, "_draw_ahead", watched)


class CountedRows(MillionRows):
    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        end = min(offset + limit, self.count())
        return [CountedRow(self.key_at(i)) for i in range(offset, end)]


@pytest.mark.usefixtures("drawn_ahead_apart")
async def test_a_cursor_move_draws_at_most_two_rows_and_moving_back_draws_none() -> None:
    app = ListApp(CountedRows())
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        await settled(pilot)
        DRAWN.clear()
        await pilot.press("j")
        await settled(pilot)
        # The row left is drawn again; the row reached was drawn as the cursor's line
        # while the list sat idle; no other row is drawn.
        assert DRAWN == ["m0"]
        DRAWN.clear()
        await pilot.press("k")
        await settled(pilot)
        assert DRAWN == []  # both lines were drawn that way a moment ago: reused
        assert visible_text(app)[0] == "row m0"
        DRAWN.clear()
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        await pilot.pause()
        assert {f"m{i}" for i in range(12)} <= set(DRAWN)  # new colours: every row anew


async def test_paging_finds_the_next_page_already_read() -> None:
    source = AsyncRows(10_000)
    source.release.set()
    app = ListApp(source)
    async with app.run_test(size=(40, 8)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        vlist = app.query_one(VirtualList)
        while vlist.cursor < PAGE_SIZE - 2 * 8:  # two screens before the page's end
            await pilot.press("pagedown")
        assert vlist.cursor < PAGE_SIZE
        await app.workers.wait_for_complete()
        assert PAGE_SIZE in source.fetches  # read before the cursor got there
        fetches = len(source.fetches)
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert vlist.cursor >= PAGE_SIZE
        await pilot.pause()
        assert "…" not in visible_text(app)  # no placeholder: the rows were there
        assert vlist.cursor_key == f"m{vlist.cursor}"
        assert len(source.fetches) == fetches


@pytest.mark.usefixtures("drawn_ahead_apart")
async def test_paging_down_finds_the_next_screen_drawn_ahead() -> None:
    app = ListApp(CountedRows())
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("pagedown")  # the cursor goes to the bottom line
        await settled(pilot)
        DRAWN.clear()
        await pilot.press("pagedown")  # now a whole new screen: m13..m24
        assert visible_text(app)[0] == "row m13"
        # No row is drawn by the key: the twelve were drawn while the list sat idle after
        # the last key, the one the cursor reached as the cursor's line.
        assert DRAWN == []


async def test_drawing_ahead_leaves_a_slow_frame_time_to_reach_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Drawing ahead holds the interpreter; it starts only once the frame showing the
    list has been over for a while (its text is written meanwhile), however long that
    frame took to compose."""
    import tui.widgets.virtual_list as module

    monkeypatch.setattr(module, "DRAW_AHEAD_AFTER_FRAME", 0.05)
    frames_over: list[float] = []
    ahead_at: list[float] = []
    render_lines = VirtualList.render_lines

    def slow_frame(self: VirtualList, crop: Region) -> list[Strip]:
        lines = render_lines(self, crop)
        time.sleep(0.08)  # a frame longer than the wait, measured from its start
        frames_over.append(time.perf_counter())
        return lines

    draw_ahead = VirtualList._draw_ahead

    def timed(self: VirtualList) -> None:
        drawn = self._drawn_at
        draw_ahead(self)
        if not self._drawing_ahead and drawn == self._drawn_at:  # it drew, to the end
            ahead_at.append(time.perf_counter())

    monkeypatch.setattr(VirtualList, "render_lines", slow_frame)
    monkeypatch.setattr(VirtualList, "_draw_ahead", timed)
    app = ListApp(MillionRows(size=5_000))
    async with app.run_test(size=(40, 12)) as pilot:
        await settled(pilot)
        frames_over.clear()
        ahead_at.clear()
        await pilot.press("pagedown")
        await settled(pilot)
        assert frames_over and ahead_at
        assert ahead_at[0] - frames_over[-1] >= 0.05


def test_merged_segments_draw_the_same_cells() -> None:
    plain = Style(color="white", bgcolor="black")
    muted = Style(color="grey50", bgcolor="black")
    bold = Style(color="yellow", bgcolor="black", bold=True)
    underlined = Style(color="white", bgcolor="black", underline=True)
    line = [
        Segment(" ", bold),
        Segment("FB", bold),
        Segment(" ", plain),
        Segment("page", muted),
        Segment("   ", plain),
        Segment("Ann", bold),
        Segment("  ", underlined),  # an underline shows on spaces: kept apart
        Segment(" ", Style(color="white", bgcolor="red")),  # another background: kept
        Segment("4m", muted),
    ]
    merged = merge_blanks(line)
    assert len(merged) < len(line)

    def cells(segments: list[Segment]) -> list[tuple[str, object, bool]]:
        out = []
        for text, style, _ in segments:
            assert style is not None
            for char in text:
                shown = style.color if char != " " else None  # a space shows no colour
                out.append(
                    (
                        char,
                        style.bgcolor,
                        bool(style.underline),
                        shown,
                        bool(style.bold) and char != " ",
                    )
                )
        return out

    assert cells(merged) == cells(line)
    assert "".join(s.text for s in merged) == "".join(s.text for s in line)


def cells(strips: list[Strip]) -> list[list[tuple[str, Style | None]]]:
    """Every cell of some lines: its character and its style."""
    return [[(char, style) for text, style, _ in strip for char in text] for strip in strips]


class StyledRow(FakeRow):
    def render(self, width: int) -> Content:
        return Content.from_markup(f"[b]{self.key}[/b] [i]said[/i] [$accent]hello[/] [dim]now[/]")


class StyledRows(MillionRows):
    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        end = min(offset + limit, self.count())
        return [StyledRow(self.key_at(i)) for i in range(offset, end)]


@pytest.mark.parametrize("dimmed", [False, True])
async def test_the_lines_kept_from_frame_to_frame_are_the_lines_textual_draws(
    dimmed: bool,
) -> None:
    """The list hands the compositor the strips it keeps instead of Textual's fresh copies:
    the same cells, with the app's colour filter applied (and a second filter, which
    turns dim text into colours), on every screen it scrolls to. Each line comes
    already cut where the scrollbar begins, into the parts Rich would cut."""
    app = ListApp(StyledRows(size=500))
    if dimmed:
        app._filters.append(DimFilter())
    async with app.run_test(size=(50, 10)) as pilot:
        vlist = app.query_one(VirtualList)
        crop = Region(0, 0, vlist.size.width, vlist.size.height)
        width = vlist.scrollable_content_region.width
        assert width < crop.width  # a scrollbar: the compositor cuts every line
        for keys in ((), ("j",) * 12, ("pagedown",), ("G",), ("k", "k")):
            await pilot.press(*keys)
            await pilot.pause()
            kept = vlist.render_lines(crop)
            assert kept == vlist.render_lines(crop)  # the same strips again: nothing redrawn
            assert cells(kept) == cells(Widget.render_lines(vlist, crop))
            for line in kept:
                parts = line.divide([width, crop.width])
                assert parts[1] is vlist._pad  # the parts made with the line, not cut again
                cut_again = Strip(list(line), crop.width).divide([width, crop.width])
                assert [list(part) for part in parts] == [list(part) for part in cut_again]
        assert "499" in "".join(strip.text for strip in kept)


async def test_a_list_with_a_box_round_it_takes_textuals_path() -> None:
    """Padding put round the list after it has drawn its own lines (finished: padded,
    dim text turned into colours) gives the lines of a list that had it from the start."""
    drawn = []
    for boxed_at_start in (True, False):
        app = ListApp(StyledRows(size=500))
        app._filters.append(DimFilter())
        async with app.run_test(size=(50, 10)) as pilot:
            vlist = app.query_one(VirtualList)
            if boxed_at_start:
                vlist.styles.padding = (0, 2)
            await pilot.pause()
            vlist.styles.padding = (0, 2)
            await pilot.pause()
            lines = vlist.render_lines(Region(0, 0, 48, 10))
            assert all(line.text.startswith("  ") for line in lines)
            assert lines[0].text.startswith("  m0 said hello")
            drawn.append(cells(lines))
    assert drawn[0] == drawn[1]


async def test_the_kept_scrollbar_shows_what_textual_would_draw() -> None:
    """The scrollbar hands back its last lines only while they would come out the same:
    its thumb reaches the bottom at the end of the list and moves back with the cursor."""
    app = ListApp(MillionRows(size=5_000))
    async with app.run_test(size=(40, 12)) as pilot:
        vlist = app.query_one(VirtualList)
        bar = vlist.vertical_scrollbar
        assert isinstance(bar, KeptScrollBar)
        crop = Region(0, 0, bar.size.width, bar.size.height)
        seen = []
        for keys in ((), ("j",) * 20, ("pagedown",) * 40, ("G",), ("g",)):
            await pilot.press(*keys)
            await pilot.pause()
            kept = bar.render_lines(crop)
            assert cells(kept) == cells(ScrollBar.render_lines(bar, crop)), keys
            seen.append(cells(kept))
        assert seen[3] != seen[0]  # at the end: the thumb moved down
        assert seen[4] == seen[0]  # back at the top: the same bar as at first


async def test_a_new_row_count_lays_out_the_screen_only_when_the_scrollbar_comes_or_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """New results change the list's length, not its size: the screen is laid out again
    only when the scrollbar appears or disappears, and the list always shows its rows."""
    layouts: list[int] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(1)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    source = MillionRows(size=5)
    app = ListApp(source)
    async with app.run_test(size=(40, 12)) as pilot:
        vlist = app.query_one(VirtualList)
        await pilot.pause()

        async def count(rows: int) -> int:
            layouts.clear()
            source.size = rows
            vlist.source_changed()
            await pilot.pause()
            await pilot.pause()
            return len(layouts)

        assert await count(8) == 0  # still no scrollbar
        assert not vlist.vertical_scrollbar.display
        assert await count(500) >= 1  # the scrollbar comes: the list's lines get narrower
        assert vlist.vertical_scrollbar.display
        assert vlist.scrollable_content_region.width == 38
        assert await count(5000) == 0
        await pilot.press("G")
        await pilot.pause()
        assert visible_text(app)[-1] == "row m4999"
        assert await count(300) == 0  # still a scrollbar; the view comes back in range
        assert visible_text(app)[-1] == "row m299"
        assert vlist.vertical_scrollbar.window_virtual_size == 300
        assert await count(3) >= 1  # the scrollbar goes
        assert not vlist.vertical_scrollbar.display
        assert visible_text(app)[:3] == ["row m0", "row m1", "row m2"]


async def test_a_page_read_ahead_of_the_view_draws_no_frame() -> None:
    """Rows read for later are kept without redrawing the list: a frame for nothing on
    screen would make the next key wait for the following tick of the update timer."""
    source = AsyncRows(10_000)
    source.release.set()
    app = ListApp(source)
    async with app.run_test(size=(40, 8)) as pilot:
        await app.workers.wait_for_complete()
        await settled(pilot)
        vlist = app.query_one(VirtualList)
        frames: list[int] = []
        render_lines = vlist.render_lines

        def counted(crop: Region) -> list[Strip]:
            frames.append(crop.height)
            return render_lines(crop)

        vlist.render_lines = counted  # type: ignore[method-assign]
        vlist._request_page(30)  # far below the view
        await app.workers.wait_for_complete()
        await settled(pilot)
        assert 30 * PAGE_SIZE in source.fetches
        assert frames == []
        await pilot.press("G")  # now the last page is on screen, read when asked
        await app.workers.wait_for_complete()
        await settled(pilot)
        assert frames
        assert visible_text(app)[-1] == "row m9999"


@pytest.mark.usefixtures("drawn_ahead_apart")
async def test_rows_moved_by_a_new_one_above_are_not_drawn_again() -> None:
    """A live change puts a new row on top: every row on screen moves, yet each keeps the
    line drawn for it; at most the new row is drawn."""
    app = ListApp(CountedRows(size=100))
    async with app.run_test(size=(40, 12)) as pilot:
        await settled(pilot)
        vlist = app.query_one(VirtualList)
        await pilot.press("j", "j")
        await settled(pilot)
        shown = visible_text(app)
        DRAWN.clear()
        vlist.rows_patched([CountedRow("new0"), *vlist.cached_top()], 101)
        await settled(pilot)
        assert set(DRAWN) <= {"new0"}
        assert vlist.cursor_key == "m2"  # the cursor stayed on its row
        now = visible_text(app)
        assert now == shown or now == ["row new0", *shown[:-1]]
