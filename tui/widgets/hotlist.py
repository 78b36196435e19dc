"""The hotlist: conversations with new alerts, named in the status line (as weechat does).

New-message alerts land here instead of in a toast, so nothing covers the list, the
composer or the Filters tab's "why". Rule-matched (VIP, highlight) entries come first
and are marked; an entry goes when its conversation is opened or read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.content import Content
from textual.signal import Signal
from textual.widgets import Static

from tui.widgets.safe import private, safe

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

__all__ = ["HOTLIST_BINDING_ID", "HotEntry", "Hotlist", "HotlistBar", "find_hotlist"]

HOTLIST_BINDING_ID = "app.hotlist"
HOTLIST_KEYS = "alt+a,ctrl+n"
MARK = "!"
"""Before the name of an entry a rule picked out (a VIP, a keyword, a highlight)."""
SUMMARY_KEY = ("", "")
"""Alerts the flood control folded into one summary name no conversation."""


@dataclass
class HotEntry:
    account_id: str
    conversation_id: str
    platform: str
    """Short tag: FB, IG, MX."""
    name: str
    count: int
    marked: bool
    seq: int
    """Order of the latest alert (higher: more recent)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.account_id, self.conversation_id)


class Hotlist:
    """Conversations with unseen alerts; widgets subscribe to :attr:`changed`."""

    def __init__(self, owner: DOMNode) -> None:
        self._entries: dict[tuple[str, str], HotEntry] = {}
        self._seq = 0
        self.changed: Signal[Hotlist] = Signal(owner, "hotlist")

    def add(
        self,
        account_id: str,
        conversation_id: str,
        *,
        platform: str,
        name: str,
        count: int = 1,
        marked: bool = False,
    ) -> None:
        self._seq += 1
        key = (account_id, conversation_id)
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = HotEntry(
                account_id, conversation_id, platform, name, count, marked, self._seq
            )
        else:
            entry.count += count
            entry.marked = entry.marked or marked
            entry.name = name or entry.name
            entry.seq = self._seq
        self._publish()

    def clear(self, keys: set[tuple[str, str]]) -> None:
        """Drop these conversations (opened or read); the flood summary goes with any."""
        gone = [key for key in self._entries if key in keys]
        if not gone:
            return
        for key in gone:
            del self._entries[key]
        self._publish()

    def drop_summary(self) -> None:
        if self._entries.pop(SUMMARY_KEY, None) is not None:
            self._publish()

    def entries(self) -> list[HotEntry]:
        """Marked first, then the most recent first."""
        return sorted(self._entries.values(), key=lambda e: (not e.marked, -e.seq))

    def waiting(self) -> set[tuple[str, str]]:
        return set(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def _publish(self) -> None:
        if self.changed.owner is not None and self.changed.owner.is_running:
            self.changed.publish(self)

    def text(self, key_hint: str = "") -> Content:
        """``alt+a Act: !FB Ana(2) IG bob_k(1)``; empty when nothing is waiting."""
        entries = self.entries()
        if not entries:
            return Content("")
        parts: list[Content] = []
        if key_hint:
            parts.append(safe(key_hint, style="$accent", max_chars=12, single_line=True))
            parts.append(Content(" "))
        parts.append(Content.styled("Act:", "bold"))
        for entry in entries:
            parts.append(Content(" "))
            if entry.key == SUMMARY_KEY:
                parts.append(Content.styled(f"+{entry.count} more", "$muted-text"))
                continue
            style = "$status-warn bold" if entry.marked else "$inbox-unread"
            if entry.marked:
                parts.append(Content.styled(MARK, style))
            parts.append(safe(entry.platform, style="$muted-text", max_chars=4, single_line=True))
            parts.append(Content(" "))
            name = str(private(entry.name or entry.conversation_id))
            parts.append(safe(name, style=style, max_chars=16, single_line=True))
            parts.append(Content.styled(f"({entry.count})", "$muted-text"))
        return Content.assemble(*parts)


def find_hotlist(app: App[object]) -> Hotlist | None:
    """The dashboard's hotlist (owned by the main screen at the bottom of the stack)."""
    if not app.screen_stack:
        return None
    hotlist = getattr(app.screen_stack[0], "hotlist", None)
    return hotlist if isinstance(hotlist, Hotlist) else None


class HotlistBar(Static):
    """The hotlist as one line of text; hidden while empty when ``hide_empty``."""

    DEFAULT_CSS = """
    HotlistBar {
        width: auto;
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    HotlistBar.-hide-empty.-empty {
        display: none;
    }
    """

    def __init__(self, *, hide_empty: bool = False, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.set_class(hide_empty, "-hide-empty")
        self.add_class("-empty")

    def on_mount(self) -> None:
        hotlist = find_hotlist(self.app)
        if hotlist is not None:
            hotlist.changed.subscribe(self, self.show_hotlist)
            self.show_hotlist(hotlist)

    def key_hint(self) -> str:
        keymap = getattr(self.app, "keymap", {})
        key = keymap.get(HOTLIST_BINDING_ID, HOTLIST_KEYS).split(",")[0].strip()
        return self.app.get_key_display(Binding(key, ""))

    def show_hotlist(self, hotlist: Hotlist) -> None:
        self.set_class(not len(hotlist), "-empty")
        self.update(hotlist.text(self.key_hint()))

    def screen_share_changed(self) -> None:
        hotlist = find_hotlist(self.app)
        if hotlist is not None:
            self.show_hotlist(hotlist)
