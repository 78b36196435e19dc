"""Messages that several widgets post or handle."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

__all__ = ["TAB_IDS", "ShowTab"]

TAB_IDS = ("inbox", "profiles", "filters", "privacy", "activity")
"""The dashboard's tabs, in the order of their number keys."""


@dataclass
class ShowTab(Message):
    """A request, from any pane, to bring one tab to the front."""

    tab: str
    """One of :data:`TAB_IDS`."""
