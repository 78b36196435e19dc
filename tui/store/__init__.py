"""The SQLite store: conversations, messages, search, outbox, activity log and quarantine."""

from __future__ import annotations

from tui.store.base import StoreCorrupt, StoreError
from tui.store.batch import BatchResult
from tui.store.search import SearchHit
from tui.store.store import Store
from tui.store.validate import MAX_TEXT_BYTES
from tui.store.views import InboxView

__all__ = [
    "MAX_TEXT_BYTES",
    "BatchResult",
    "InboxView",
    "SearchHit",
    "Store",
    "StoreCorrupt",
    "StoreError",
]
