"""Widgets reused by several panes: safe text, the virtual list, the status line."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    """Each name is imported from its module on first use: importing the package is free."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
