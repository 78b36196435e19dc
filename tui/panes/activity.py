"""The Activity tab: the audit log of linked accounts, filterable by account and kind."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Static

from tui.domain import ActivityEvent
from tui.panes.base import RuntimePane
from tui.services.events import AccountStateChanged, Event, OutboxChanged, PrefsChanged
from tui.widgets.empty_state import EmptyState, no_account_text
from tui.widgets.safe import safe
from tui.widgets.vim import VimDataTable

KINDS = (
    "link",
    "unlink",
    "reauth",
    "permission_change",
    "token_refresh",
    "token_expired",
    "send",
    "sync_error",
    "rate_limited",
    "preference",
    "quarantine",
)
"""Kinds the filter cycles through (any other kind still shows when no filter is set)."""
PAGE = 500
"""Newest entries shown; ``linkdeck export --activity`` has the whole log."""
_KIND_STYLE = {
    "token_expired": "$status-error",
    "sync_error": "$status-error",
    "permission_change": "$status-warn",
    "rate_limited": "$status-warn",
    "unlink": "$status-warn",
    "link": "$status-ok",
    "token_refresh": "$status-ok",
}


def cycle(options: list[str | None], current: str | None) -> str | None:
    """The option after ``current`` (wrapping), ``None`` meaning "all"."""
    index = options.index(current) if current in options else -1
    return options[(index + 1) % len(options)]


_WIDTHS = {"Time": 16, "Account": 14, "Kind": 17, "What happened": 60}
"""Column widths (fixed: DataTable cannot measure Content cells)."""


class ActivityPane(RuntimePane):
    """Time, account, kind and summary of every audited event, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("A", "cycle_account", "Account filter", id="activity.account"),
        Binding("K", "cycle_kind", "Kind filter", id="activity.kind"),
        Binding("r", "reload", "Refresh", id="activity.refresh"),
    ]
    DEFAULT_CSS = """
    ActivityPane {
        #activity-filter { height: 1; padding: 0 1; background: $panel; }
        #activity-table { height: 1fr; }
    }
    """
    tz: tzinfo | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.account_filter: str | None = None
        self.kind_filter: str | None = None

    def compose(self) -> ComposeResult:
        if self.service is None:
            yield EmptyState(no_account_text(), id="activity-empty")
            return
        yield Static(id="activity-filter")
        table: DataTable[Content] = VimDataTable(id="activity-table", cursor_type="row")
        # Fixed widths: DataTable cannot measure Content cells.
        for label, width in _WIDTHS.items():
            table.add_column(label, width=width)
        yield table

    def on_mount(self) -> None:
        if self.service is not None:
            self.reload()

    def _accounts(self) -> list[str | None]:
        assert self.service is not None
        return [None, *(a.id for a in self.service.prefs.accounts)]

    def action_cycle_account(self) -> None:
        if self.service is not None:
            known = self._accounts()
            if self.account_filter not in known:
                known.append(self.account_filter)
            self.account_filter = cycle(known, self.account_filter)
            self.reload()

    def action_cycle_kind(self) -> None:
        if self.service is not None:
            self.kind_filter = cycle([None, *KINDS], self.kind_filter)
            self.reload()

    def action_reload(self) -> None:
        if self.service is not None:
            self.reload()

    def set_filters(self, account: str | None, kind: str | None) -> None:
        """Show only ``account`` and ``kind`` (``None``: all)."""
        self.account_filter, self.kind_filter = account, kind
        self.reload()

    def handle_event(self, event: Event) -> None:
        # Audited actions come with a state or outbox change: re-read, at most twice a second.
        relevant = isinstance(event, AccountStateChanged | OutboxChanged | PrefsChanged)
        if self.service is not None and relevant:
            self.once_after(0.5, self.reload)

    @work(group="activity-reload", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        assert self.service is not None
        events = await self.service.store.activity_page(
            account_id=self.account_filter,
            kinds=[self.kind_filter] if self.kind_filter else None,
            limit=PAGE,
        )
        self.show(events)

    def show(self, events: list[ActivityEvent]) -> None:
        account = self.account_filter or "all accounts"
        kind = self.kind_filter or "all kinds"
        self.query_one("#activity-filter", Static).update(
            Content.assemble(
                Content.styled("Showing ", "$muted-text"),
                safe(account, style="bold", max_chars=30, single_line=True),
                Content.styled(" · ", "$muted-text"),
                Content.styled(kind, "bold"),
                Content.styled(
                    f" · {len(events)} {'entry' if len(events) == 1 else 'entries'}"
                    " · A account  K kind  r refresh",
                    "$muted-text",
                ),
            )
        )
        table = self.query_one("#activity-table", DataTable)
        table.clear()
        for event in events:
            table.add_row(
                Content(f"{event.at.astimezone(self.tz):%Y-%m-%d %H:%M}"),
                # DataTable crops a cell at its column's width without a mark: cut it here
                # so that a long entry ends in "…".
                safe(event.account_id or "-", max_chars=24, single_line=True).truncate(
                    _WIDTHS["Account"], ellipsis=True
                ),
                Content.styled(event.kind, _KIND_STYLE.get(event.kind, "")),
                safe(event.summary, max_chars=200, single_line=True).truncate(
                    _WIDTHS["What happened"], ellipsis=True
                ),
                key=str(event.id) if event.id is not None else None,
            )
