"""Widgets reused by several panes: safe text, the virtual list, the status line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.lazy import lazy_names

# Imported at once: ``safe`` is both a submodule and a function.
from tui.widgets.safe import safe, safe_highlight

if TYPE_CHECKING:
    from tui.widgets.empty_state import EmptyState
    from tui.widgets.status_line import AccountStatus, StatusLine
    from tui.widgets.virtual_list import AsyncRowSource, Row, RowSource, VirtualList

__all__ = [
    "AccountStatus",
    "AsyncRowSource",
    "EmptyState",
    "Row",
    "RowSource",
    "StatusLine",
    "VirtualList",
    "safe",
    "safe_highlight",
]

_LAZY: dict[str, str] = {
    "AccountStatus": "tui.widgets.status_line",
    "AsyncRowSource": "tui.widgets.virtual_list",
    "EmptyState": "tui.widgets.empty_state",
    "Row": "tui.widgets.virtual_list",
    "RowSource": "tui.widgets.virtual_list",
    "StatusLine": "tui.widgets.status_line",
    "VirtualList": "tui.widgets.virtual_list",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())
