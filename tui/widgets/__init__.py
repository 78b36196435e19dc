"""Widgets reused by several panes: safe text, the virtual list, the status line."""

from __future__ import annotations

from tui.widgets.empty_state import EmptyState
from tui.widgets.safe import safe, safe_highlight
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
