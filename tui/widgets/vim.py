"""Tables and option lists that also move with the vim keys (j, k, g, G), like the inbox."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList
from textual.widgets.data_table import CellType

__all__ = ["VimDataTable", "VimOptionList"]


class VimDataTable(DataTable[CellType]):
    """A row table: j/k move the cursor, g/G jump to the first and last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "First", show=False, id="table.first"),
        Binding("G", "scroll_bottom", "Last", show=False, id="table.last"),
    ]


class VimOptionList(OptionList):
    """A menu: j/k move the highlight, g/G jump to the first and last entry."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="options.down"),
        Binding("k", "cursor_up", "Up", show=False, id="options.up"),
        Binding("g", "first", "First", show=False, id="options.first"),
        Binding("G", "last", "Last", show=False, id="options.last"),
    ]
