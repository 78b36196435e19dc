"""The one-line header: each account's sync state, total unread, do-not-disturb."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Static

from tui.domain import AccountState, AccountStatus
from tui.widgets.hotlist import HotlistBar
from tui.widgets.safe import safe

__all__ = ["PLATFORM_TAG", "AccountStatus", "StatusLine", "describe_status"]


# Glyph, words, CSS variable of the colour: one look per state.
_LOOK: dict[AccountState, tuple[str, str, str]] = {
    AccountState.CONNECTED: ("●", "ok", "$status-ok"),
    AccountState.SYNCING: ("◌", "syncing", "$status-busy"),
    AccountState.PAUSED: ("‖", "paused", "$muted-text"),
    AccountState.RATE_LIMITED: ("◷", "rate limited", "$status-warn"),
    AccountState.NEEDS_REAUTH: ("⚠", "needs re-authentication", "$status-error"),
    AccountState.ERROR: ("✗", "error", "$status-error"),
}
PLATFORM_TAG = {"messenger": "FB", "instagram": "IG", "matrix": "MX"}


def describe_status(status: AccountStatus, tz: tzinfo | None = None) -> Content:
    """One account's part of the header, e.g. ``● FB bakery ok``."""
    glyph, words, colour = _LOOK.get(status.state, ("?", str(status.state), "$muted-text"))
    if status.state is AccountState.RATE_LIMITED and status.until is not None:
        words += f" until {status.until.astimezone(tz):%H:%M}"
    tag = PLATFORM_TAG.get(status.platform, status.platform[:2].upper())
    parts = [
        Content.styled(glyph, colour),
        Content(" "),
        safe(tag, style="$muted-text", max_chars=4, single_line=True),
        Content(" "),
        safe(status.account_id, style="bold", max_chars=24, single_line=True),
        Content(" "),
        Content.styled(words, colour),
    ]
    if status.state is AccountState.ERROR and status.detail:
        parts += [Content(": "), safe(status.detail, max_chars=60, single_line=True)]
    return Content.assemble(*parts)


class StatusLine(Horizontal):
    """Header: title, per-account states, and on the right the unread total and DND."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        dock: top;
        background: $panel;
        color: $foreground;
        #status-title {
            width: auto;
            padding: 0 1;
            background: $primary;
            color: $text;
            text-style: bold;
        }
        #status-accounts {
            width: 1fr;
            padding: 0 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        #status-hotlist {
            max-width: 50%;
            padding: 0 1;
        }
        #status-summary {
            width: auto;
            padding: 0 1;
        }
    }
    """

    def __init__(self, placeholder: str = "no account linked", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.tz: tzinfo | None = None
        """Zone for "rate limited until hh:mm"; ``None`` is the machine's local zone."""
        self._latest: tuple[tuple[AccountStatus, ...], int, bool] = ((), 0, False)
        self._service: Content | None = None

    def compose(self) -> ComposeResult:
        yield Static("Linkdeck", id="status-title")
        yield Static(id="status-accounts")
        yield HotlistBar(hide_empty=True, id="status-hotlist")
        yield Static(id="status-summary")

    def on_mount(self) -> None:
        self._redraw()

    def update_status(
        self, statuses: Sequence[AccountStatus], total_unread: int, dnd: bool
    ) -> None:
        """Redraw from the latest states (call as often as they change, even before mount)."""
        self._latest = (tuple(statuses), total_unread, dnd)
        self._redraw()

    def set_service(self, text: Content | None) -> None:
        """Which service this dashboard is attached to, or that it is lost (``None``: embedded)."""
        self._service = text
        self._redraw()

    def _redraw(self) -> None:
        try:
            accounts_widget = self.query_one("#status-accounts", Static)
            summary_widget = self.query_one("#status-summary", Static)
        except NoMatches:
            return  # not composed yet: on_mount draws the latest states
        statuses, total_unread, dnd = self._latest
        if statuses:
            separator = Content.styled(" · ", "$muted-text")
            accounts = separator.join(describe_status(s, self.tz) for s in statuses)
        else:
            accounts = Content.styled(self.placeholder, "$muted-text")
        summary = self._summary(total_unread, dnd)
        if self._service is not None:
            summary = Content.assemble(self._service, Content.styled(" · ", "$muted-text"), summary)
        _set(accounts_widget, accounts)
        _set(summary_widget, summary)

    @staticmethod
    def _summary(total_unread: int, dnd: bool) -> Content:
        unread = Content.styled(
            f"{total_unread} unread", "$inbox-unread bold" if total_unread else "$muted-text"
        )
        quiet = Content.styled("DND on", "$status-warn bold") if dnd else Content("DND off")
        return Content.assemble(unread, Content.styled(" · ", "$muted-text"), quiet)


def _set(widget: Static, content: Content) -> None:
    """Redraw one part of the header only when it changed, with a layout pass over the
    screen only when its width changed (the header is redrawn on every live event)."""
    old = widget.content
    if isinstance(old, Content) and (old.plain, old.spans) == (content.plain, content.spans):
        return
    same_width = isinstance(old, Content) and old.cell_length == content.cell_length
    widget.update(content, layout=not same_width)
