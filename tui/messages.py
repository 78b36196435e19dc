"""Messages that several widgets post or handle."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

__all__ = ["TAB_IDS", "TAB_TITLES", "OpenConversation", "OpenPerson", "ShowTab"]

TAB_IDS = ("inbox", "profiles", "filters", "privacy", "activity")
"""The dashboard's tabs, in the order of their number keys."""

TAB_TITLES = {
    "inbox": "Inbox",
    "profiles": "Profiles",
    "filters": "Filters",
    "privacy": "Privacy",
    "activity": "Activity",
}
"""Each tab's title on the tab bar (after the key that shows it)."""


@dataclass
class ShowTab(Message):
    """A request, from any pane, to bring one tab to the front."""

    tab: str
    """One of :data:`TAB_IDS`."""


@dataclass
class OpenConversation(Message):
    """A request to show one conversation's history with its composer."""

    account_id: str
    conversation_id: str
    """The platform's conversation id."""
    compose: bool = False
    """Focus the composer at once (the inbox's reply key)."""


@dataclass
class OpenPerson(Message):
    """A request to show one person's merged timeline across platforms."""

    person_id: int
