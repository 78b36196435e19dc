"""The floor for key-to-frame: a minimal line-API list of 50,000 rows held in memory.

Usage: python -m bench.line_list_app [ROWS]

A Textual ``ScrollView`` whose ``render_line`` draws one row: no store, no pages, no
styles beyond the cursor's. ``j``/``down`` and ``pagedown`` move the cursor the way the
inbox's do, repainting only the two lines that changed. It prints ``Row 00000`` first, so
the benchmark knows when it is drawn.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

CURSOR = Style(reverse=True)


class LineList(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "down"),
        Binding("k,up", "up"),
        Binding("pagedown", "page"),
    ]
    DEFAULT_CSS = "LineList { height: 1fr; overflow-x: hidden; }"
    cursor: reactive[int] = reactive(0, repaint=False)

    def __init__(self, rows: list[str]) -> None:
        super().__init__()
        self.rows = rows
        self.virtual_size = Size(0, len(rows))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width)
        text = self.rows[index][:width].ljust(width)
        return Strip([Segment(text, CURSOR if index == self.cursor else None)], width)

    def watch_cursor(self, old: int, new: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        self.refresh_line(old)
        self.refresh_line(new)

    def action_down(self) -> None:
        self.cursor = min(self.cursor + 1, len(self.rows) - 1)

    def action_up(self) -> None:
        self.cursor = max(self.cursor - 1, 0)

    def action_page(self) -> None:
        step = max(1, self.scrollable_content_region.height)
        self.cursor = min(self.cursor + step, len(self.rows) - 1)


class LineListApp(App[None]):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        rows = [
            f"Row {i:05d}  Customer {i:05d}  Do you still have sourdough for saturday?  4m"
            for i in range(self.count)
        ]
        yield LineList(rows)


if __name__ == "__main__":
    LineListApp(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000).run()
