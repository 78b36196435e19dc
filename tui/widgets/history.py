"""A conversation's history: wrapped messages drawn line by line, older pages on demand."""

from __future__ import annotations

import bisect
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.segment import Segment
from textual import work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.adapters.errors import localize_moments
from tui.domain import InboxMessage, MessageKind, OutboxItem, OutboxState
from tui.domain.links import check_link
from tui.domain.models import UNCONFIRMED
from tui.widgets.safe import HIDDEN_MARK, SCREEN_SHARE, private, safe

__all__ = ["Entry", "History", "PageFetcher", "entry_lines"]

PAGE_SIZE = 50
MAX_TEXT_CHARS = 4000
"""Longest body drawn; longer ones end with a mark saying how much was left out."""
PLATFORM_LABEL = {"messenger": "Messenger", "instagram": "Instagram", "matrix": "Matrix"}
_KIND_LABEL = {
    MessageKind.STORY_REPLY: "replied to your story",
    MessageKind.STORY_MENTION: "mentioned you in their story",
    MessageKind.REACTION: "reaction",
    MessageKind.ECHO: "echo",
}

PageFetcher = Callable[[tuple[datetime, str] | None, int], Awaitable[Sequence[InboxMessage]]]
"""``(before, limit) -> messages`` newest first, like ``Store.messages_page``."""


@dataclass
class Entry:
    """One thing in the history: a stored message, or a reply still in the outbox."""

    message: InboxMessage | None = None
    item: OutboxItem | None = None
    delivery: str | None = None
    """For our own messages that this session sent: ``sent``."""
    lines: list[Content] | None = field(default=None, repr=False, compare=False)
    """Laid-out lines, kept until the width or the entry changes."""
    width: int = field(default=0, repr=False, compare=False)

    def changed(self) -> None:
        self.lines = None

    @property
    def key(self) -> Hashable:
        if self.message is not None:
            return ("m", self.message.account_id, self.message.remote_id)
        assert self.item is not None
        return ("o", self.item.id)

    @property
    def order(self) -> tuple[int, datetime | int, str]:
        # Replies still in the outbox sit below every stored message until they are sent.
        if self.message is not None:
            return (0, self.message.created_at, self.message.remote_id)
        assert self.item is not None
        return (1, self.item.id, "")


def _when(moment: datetime, tz: tzinfo | None) -> str:
    return f"{moment.astimezone(tz):%b %d %H:%M}"


def _delivery(item: OutboxItem, tz: tzinfo | None = None) -> tuple[str, str]:
    if item.state is OutboxState.QUEUED and item.attempts:
        if item.error:
            # Waiting to try again: say why and, for a rate limit, when (in the reader's zone).
            return f"pending… ({localize_moments(item.error, tz)})", "$text-muted"
        return "retrying…", "$text-muted"  # the user asked for it (the reason was cleared)
    if item.state in (OutboxState.QUEUED, OutboxState.SENDING):
        return "pending…", "$text-muted"
    if item.state is OutboxState.SENT:
        return "sent", "$text-success"
    if item.needs_user:
        return f"{UNCONFIRMED} (ctrl+r: send again)", "bold $text-warning"
    if item.state is OutboxState.UNKNOWN:
        return "unknown: checking whether it went out", "$text-warning"
    why = localize_moments(item.error or "no reason given", tz)
    return f"failed: {why} (ctrl+r: retry)", "bold $text-error"


def _quote_line(message: InboxMessage, quoted: InboxMessage | None) -> Content:
    """``│ replying to: <the quoted message's first line>``."""
    whose = "their own message" if message.reply_to_self else "a message"
    if quoted is None:
        return Content.styled(f"│ replying to {whose} not loaded here", "italic $text-muted")
    words = quoted.text.strip().splitlines()[0] if quoted.text.strip() else ""
    shown = private(words) if words else f"[{quoted.kind}]"
    return Content.assemble(
        Content.styled("│ replying to: ", "italic $text-muted"),
        safe(shown, style="italic $text-muted", max_chars=120, single_line=True),
    )


def entry_lines(
    entry: Entry,
    width: int,
    *,
    platform: str,
    name: str,
    tz: tzinfo | None = None,
    quoted: InboxMessage | None = None,
) -> list[Content]:
    """The lines one entry takes at ``width`` cells, a blank spacer line included.

    ``quoted`` is the message an inline reply quotes, when it is loaded.
    """
    width = max(width, 8)
    message, item = entry.message, entry.item
    from_us = item is not None or (message is not None and message.from_us)
    badge = PLATFORM_LABEL.get(platform, platform)
    head: list[Content | str] = []
    if from_us:
        head += [Content.styled("▶ You", "bold $accent")]
    else:
        head += [
            Content.styled("● ", "$primary"),
            safe(private(name), style="bold", max_chars=60, single_line=True),
        ]
    # A reply still in the outbox has no platform time yet; its state says more than when
    # it was queued.
    when = _when(message.created_at, tz) if message is not None else "outbox"
    head += ["  ", Content.styled(when, "$text-muted"), "  "]
    head.append(safe(badge, style="$text-secondary", max_chars=16, single_line=True))
    if message is not None and message.kind in _KIND_LABEL:
        head += [" · ", Content.styled(_KIND_LABEL[message.kind], "italic $text-muted")]
    if message is not None and message.edited and not message.removed:
        head += [" · ", Content.styled("edited", "italic $text-muted")]
    if item is not None:
        words, colour = _delivery(item, tz)
        head += [" · ", safe(words, style=colour, max_chars=400, single_line=True)]
        if item.tag:
            # A Matrix reply's tag carries the event it answers (the outbox's REPLY_TAG).
            tag = "reply" if item.tag.startswith("in_reply_to:") else item.tag
            head += [" · ", safe(tag, style="$text-muted", max_chars=20, single_line=True)]
    elif entry.delivery:
        head += [" · ", Content.styled(entry.delivery, "$text-success")]
    lines = Content.assemble(*head).wrap(width)
    inner = width - 2
    body: list[Content] = []
    text = message.text if message is not None else (item.text if item is not None else "")
    if message is not None and message.reply_to:
        body += _quote_line(message, quoted).wrap(inner)
    if message is not None and message.reaction:
        reaction = safe(private(message.reaction), max_chars=16)
        body.append(Content.assemble("reacted ", reaction))
    if text:
        body += safe(private(text), max_chars=MAX_TEXT_CHARS).wrap(inner)
        if len(text) > MAX_TEXT_CHARS:
            body.append(
                Content.styled(
                    f"f: read the whole message ({len(text):,} characters)", "italic $text-muted"
                )
            )
    if message is not None:
        if message.removed:
            body.append(Content.styled("[removed by the sender]", "italic $text-muted"))
        if message.unsupported:
            body.append(Content.styled("[a message the platform cannot show here]", "italic"))
        for attachment in message.attachments:
            label = safe(
                f"[{attachment.kind or 'attachment'}]",
                style="$text-secondary",
                max_chars=24,
                single_line=True,
            )
            target = attachment.url or ""
            verdict = check_link(target) if target else None
            parts: list[Content | str] = [label, " "]
            if attachment.name:
                # The name is the sender's words: kept, with controls shown as markers.
                parts += [safe(attachment.name, style="bold", max_chars=200, single_line=True)]
                parts += [" "] if verdict is not None else []
            if verdict is None:
                parts += [] if attachment.name else ["(no link)"]
            elif verdict.ok:
                parts += [safe(verdict.shown, style="underline", max_chars=400, single_line=True)]
                if verdict.warning:
                    parts += [
                        " ",
                        safe(
                            f"⚠ {verdict.warning}",
                            style="bold $text-warning",
                            max_chars=400,
                            single_line=True,
                        ),
                    ]
            else:
                parts += [safe(verdict.shown, style="$text-error", max_chars=200, single_line=True)]
            if SCREEN_SHARE.on:
                # A link or file name a stranger sent says as much as their text does.
                parts = [label, " ", Content(HIDDEN_MARK)]
            body += Content.assemble(*parts).wrap(inner)
    lines += [Content.assemble("  ", line) for line in body]
    lines.append(Content(""))
    return lines


class History(ScrollView, can_focus=True):
    """Messages oldest at the top, newest at the bottom; scrolling up loads older pages.

    Only the loaded pages are laid out and only the visible lines are drawn, so a
    conversation of any length costs what the user has scrolled through.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k,up", "move(-1)", "Up", show=False, id="history.up"),
        Binding("j,down", "move(1)", "Down", show=False, id="history.down"),
        Binding("pageup,b", "move_page(-1)", "Page up", show=False, id="history.page-up"),
        Binding("pagedown,space", "move_page(1)", "Page down", show=False, id="history.page-down"),
        Binding("g,home", "oldest", "Oldest", show=False, id="history.oldest"),
        Binding("G,end", "newest", "Newest", show=False, id="history.newest"),
    ]

    DEFAULT_CSS = """
    History {
        height: 1fr;
        overflow-x: hidden;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        fetch: PageFetcher,
        *,
        platform_of: Callable[[str], str],
        name_of: Callable[[InboxMessage], str],
        tz: tzinfo | None = None,
        page_size: int = PAGE_SIZE,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.fetch = fetch
        self.platform_of = platform_of
        self.name_of = name_of
        self.tz = tz
        self.page_size = page_size
        self.entries: list[Entry] = []
        self._keys: dict[Hashable, Entry] = {}
        self._layout: list[list[Content]] = []
        self._starts: list[int] = []
        self._width = 0
        self.exhausted = False
        """Whether the oldest message is loaded."""
        self.loading = False
        self.pages_loaded = 0
        self.marked: Hashable | None = None
        """The key of the message picked to reply to (drawn reversed), if any."""

    # --- loading --------------------------------------------------------------------

    async def load_first_page(self) -> None:
        """Load the newest page and show the bottom of the conversation."""
        page = await self.fetch(None, self.page_size)
        self.pages_loaded = 1
        self.exhausted = len(page) < self.page_size
        self._merge(Entry(message=m) for m in page)
        self._relayout()
        self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.call_after_refresh(self._check_top)

    def _oldest_key(self) -> tuple[datetime, str] | None:
        for entry in self.entries:
            if entry.message is not None:
                return (entry.message.created_at, entry.message.remote_id)
        return None

    def _check_top(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        if not self.exhausted and not self.loading and self.scroll_offset.y < height:
            self.loading = True
            self._load_older()

    @work(group="history-older", exclusive=True, exit_on_error=False)
    async def _load_older(self) -> None:
        try:
            before = self._oldest_key()
            page = await self.fetch(before, self.page_size)
            self.pages_loaded += 1
            self.exhausted = len(page) < self.page_size
            old_total = self.virtual_size.height
            self._merge(Entry(message=m) for m in page)
            self._relayout()
            added = self.virtual_size.height - old_total
            # Keep the lines the user is reading where they are on screen.
            self._jump(self.scroll_offset.y + added)
        finally:
            self.loading = False
        self.call_after_refresh(self._check_top)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._check_top()

    # --- keys: no animation, so a page load never races a scroll in flight ---------

    def _jump(self, y: float) -> None:
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def action_move(self, lines: int) -> None:
        self._jump(self.scroll_offset.y + lines)

    def action_move_page(self, pages: int) -> None:
        self._jump(self.scroll_offset.y + pages * max(1, self.scrollable_content_region.height))

    def action_oldest(self) -> None:
        self._jump(0)

    def action_newest(self) -> None:
        self._jump(self.max_scroll_y)

    # --- the message a reply answers ---------------------------------------------------

    def mark_older(self) -> InboxMessage | None:
        """Mark a message to reply to: the lowest one on screen first, then each older one.

        Returns the marked message (``None`` when there is none to mark). Reactions and
        replies still in the outbox are skipped: a reply answers a stored message.
        """
        slots = [
            i
            for i, e in enumerate(self.entries)
            if e.message is not None and e.message.kind is not MessageKind.REACTION
        ]
        if not slots:
            return None
        top = self.scroll_offset.y
        bottom = top + max(1, self.scrollable_content_region.height)
        current = next((i for i in slots if self.entries[i].key == self.marked), None)
        if current is None or not self._on_screen(current, top, bottom):
            shown = [i for i in slots if self._on_screen(i, top, bottom)]
            index = shown[-1] if shown else slots[-1]
        else:
            earlier = [i for i in slots if i < current]
            index = earlier[-1] if earlier else current
        self.marked = self.entries[index].key
        if not self._on_screen(index, top, bottom) and index < len(self._starts):
            self._jump(self._starts[index])
        self.refresh()
        return self.entries[index].message

    def clear_mark(self) -> None:
        self.marked = None
        self.refresh()

    def _on_screen(self, index: int, top: float, bottom: float) -> bool:
        if index >= len(self._starts):
            return False
        start = self._starts[index]
        return top <= start < bottom

    # --- live changes ---------------------------------------------------------------

    @property
    def at_bottom(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y - 1

    def add_messages(self, messages: Iterable[InboxMessage]) -> int:
        """Add messages that arrived live; returns how many were new here."""
        follow = self.at_bottom
        added = self._merge(Entry(message=m) for m in messages)
        if added:
            self._relayout()
            if follow:
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        return added

    def show_outbox(self, item: OutboxItem) -> None:
        """Show a reply's state (pending, sent, failed); a sent one joins its echo."""
        if item.action != "text":
            return
        follow = self.at_bottom
        key = ("o", item.id)
        echo = self._keys.get(("m", item.account_id, item.remote_id)) if item.remote_id else None
        if item.state is OutboxState.SENT and echo is not None:
            echo.delivery = "sent"
            echo.changed()
            self._drop(key)
        elif key in self._keys:
            self._keys[key].item = item
            self._keys[key].changed()
        else:
            self._merge([Entry(item=item)])
        self._relayout()
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def show_receipts(self, seen: datetime | None, delivered: datetime | None) -> None:
        """Mark our messages the customer has received or seen (webhook receipts)."""
        touched = False
        for entry in self.entries:
            message = entry.message
            if message is None or not message.from_us:
                continue
            state = entry.delivery
            if seen is not None and message.created_at <= seen:
                state = "seen"
            elif delivered is not None and message.created_at <= delivered:
                state = "delivered"
            if state != entry.delivery:
                entry.delivery = state
                entry.changed()
                touched = True
        if touched:
            self._relayout()

    def long_messages(self) -> list[InboxMessage]:
        """Messages longer than what is drawn of them, oldest first."""
        return [
            e.message
            for e in self.entries
            if e.message is not None and len(e.message.text) > MAX_TEXT_CHARS
        ]

    def failed_items(self) -> list[OutboxItem]:
        """Replies shown as failed, oldest first."""
        return [
            e.item
            for e in self.entries
            if e.item is not None and (e.item.state is OutboxState.FAILED or e.item.needs_user)
        ]

    def _drop(self, key: Hashable) -> None:
        entry = self._keys.pop(key, None)
        if entry is not None:
            self.entries.remove(entry)

    def _merge(self, new: Iterable[Entry]) -> int:
        added = 0
        for entry in new:
            if entry.key in self._keys:
                known = self._keys[entry.key]
                if entry.item is not None:
                    known.item = entry.item
                    known.changed()
                elif entry.message is not None and entry.message != known.message:
                    # Edited, unsent or a reaction taken back (webhooks say so later).
                    if entry.message.removed and entry.message.kind is MessageKind.REACTION:
                        self._drop(entry.key)
                    else:
                        known.message = entry.message
                        known.changed()
                    added += 1
                continue
            if (
                entry.message is not None
                and entry.message.removed
                and (entry.message.kind is MessageKind.REACTION)
            ):
                continue
            message = entry.message
            if message is not None and message.from_us:
                # Our reply came back from the store: it replaces its outbox line.
                for other in list(self.entries):
                    if other.item is not None and other.item.remote_id == message.remote_id:
                        entry.delivery = "sent"
                        self._drop(other.key)
            self._keys[entry.key] = entry
            bisect.insort(self.entries, entry, key=lambda e: e.order)
            added += 1
        return added

    # --- layout and drawing ---------------------------------------------------------

    def screen_share_changed(self) -> None:
        """Names and bodies show or hide: every entry is wrapped again."""
        for entry in self.entries:
            entry.lines = None
        self._relayout()

    def _relayout(self) -> None:
        width = max(1, self.scrollable_content_region.width or self.size.width or 80)
        self._width = width
        for entry in self.entries:
            # Only new or changed entries are wrapped again: a live message costs one entry.
            if entry.lines is None or entry.width != width:
                entry.lines = entry_lines(
                    entry,
                    width,
                    platform=self.platform_of(self._account_of(entry)),
                    name=self.name_of(entry.message) if entry.message is not None else "",
                    tz=self.tz,
                    quoted=self._quoted(entry),
                )
                entry.width = width
        self._layout = [entry.lines or [] for entry in self.entries]
        self._starts = []
        total = 0
        for lines in self._layout:
            self._starts.append(total)
            total += len(lines)
        self.virtual_size = Size(width, total)
        self.refresh()

    def _quoted(self, entry: Entry) -> InboxMessage | None:
        message = entry.message
        if message is None or not message.reply_to:
            return None
        found = self._keys.get(("m", message.account_id, message.reply_to))
        return found.message if found is not None else None

    @staticmethod
    def _account_of(entry: Entry) -> str:
        if entry.message is not None:
            return entry.message.account_id
        assert entry.item is not None
        return entry.item.account_id

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            follow = self.at_bottom
            self._relayout()
            if follow:
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def line_text(self, index: int) -> str:
        """The plain text of one laid-out line (tests and screen readers use this)."""
        if not 0 <= index < self.virtual_size.height:
            return ""
        slot = bisect.bisect_right(self._starts, index) - 1
        return self._layout[slot][index - self._starts[slot]].plain

    def all_text(self) -> str:
        return "\n".join(self.line_text(i) for i in range(self.virtual_size.height))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.get_visual_style()
        if not 0 <= index < self.virtual_size.height:
            return Strip.blank(width, base.rich_style)
        slot = bisect.bisect_right(self._starts, index) - 1
        line = self._layout[slot][index - self._starts[slot]].truncate(width, pad=True)
        if self.marked is not None and self.entries[slot].key == self.marked:
            line = line.stylize("reverse")
        segments = [
            Segment(text, style.rich_style if style else None)
            for text, style in line.render(
                base, end="", parse_style=self.app.stylesheet.parse_style
            )
        ]
        return Strip(segments, width)
