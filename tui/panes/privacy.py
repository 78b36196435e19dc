"""The Privacy tab: per-account toggles that act at once, and the app-wide screen-share switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from tui.domain.rules import PrivacySettings
from tui.domain.safetext import sanitize
from tui.modals.confirm import ConfirmScreen
from tui.panes.base import RuntimePane
from tui.services.api import Service, SetPrivacy
from tui.services.events import Event, PrefsChanged
from tui.widgets.action_errors import ReportsFailedActions
from tui.widgets.empty_state import EmptyState
from tui.widgets.vim import VimDataTable

__all__ = ["DAY_STEPS", "TOGGLES", "PrivacyPane", "Toggle", "limit_for"]


@dataclass(frozen=True)
class Toggle:
    key: str
    label: str
    help: str
    days: bool = False


TOGGLES: tuple[Toggle, ...] = (
    Toggle(
        "send_read_receipts",
        "Send read receipts",
        "Tells the customer you read their message (mark_seen) when you open it.",
    ),
    Toggle("send_typing", "Send typing indicators", "Shows the customer that you are typing."),
    Toggle(
        "sync_contacts",
        "Sync contact details",
        "Fetches and keeps the names and handles of the people who write.",
    ),
    Toggle(
        "backfill_days",
        "Backfill history",
        "How far back older history is fetched (+/-).",
        days=True,
    ),
    Toggle(
        "store_bodies",
        "Store message bodies",
        "Keeps message text on this computer; off: metadata only, stored text erased.",
    ),
    Toggle(
        "notification_text",
        "Text in notifications",
        "Shows the message in alerts; off says only “New message from X”.",
    ),
    Toggle(
        "person_merging",
        "Cross-platform merging",
        "Lets this account's contacts be merged with the same person on other accounts.",
    ),
    Toggle(
        "history_days",
        "Keep local history",
        "Deletes local messages older than this, daily and now with x (+/-).",
        days=True,
    ),
)
DAY_STEPS: dict[str, tuple[int | None, ...]] = {
    "backfill_days": (0, 1, 7, 30, 90, 365, None),
    "history_days": (1, 7, 30, 90, 365, None),
}
"""Values +/- step through, shortest first; ``None`` is all history / keep forever."""


def limit_for(platform: str, key: str, connected: bool) -> str | None:
    """Why this toggle cannot act for this account, or ``None`` when it can."""
    if not connected and key in ("send_read_receipts", "send_typing", "sync_contacts"):
        return "the account is not connected (no token), so nothing is sent or fetched"
    del platform  # every toggle works on both Meta platforms today; new ones may differ
    return None


def _value(settings: PrivacySettings, toggle: Toggle) -> str:
    value = getattr(settings, toggle.key)
    if toggle.days:
        if value is None:
            return "all" if toggle.key == "backfill_days" else "forever"
        if value == 0:
            return "none"
        return f"{value} days" if value != 1 else "1 day"
    return "on" if value else "off"


def _help(platform: str, toggle: Toggle) -> str:
    if platform == "instagram" and toggle.key == "backfill_days":
        # Meta gives message details only for the 20 newest messages of an IG conversation.
        return toggle.help + " Instagram: only 20 newest in full."
    return toggle.help


class PrivacyPane(ReportsFailedActions, RuntimePane):
    """Each account's privacy toggles with one line each on what they do."""

    DEFAULT_CSS = """
    PrivacyPane { layout: vertical; }
    PrivacyPane #privacy-share { height: auto; max-height: 3; padding: 0 1; }
    PrivacyPane #privacy-table { height: 1fr; }
    PrivacyPane #privacy-help {
        height: 2; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """
    REPORTED_GROUPS = frozenset({"privacy-purge"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "flip", "Toggle", id="privacy.toggle"),
        Binding("plus,equals_sign", "days(1)", "More days", id="privacy.more"),
        Binding("minus", "days(-1)", "Fewer days", id="privacy.fewer"),
        Binding("x", "purge_now", "Purge old now", id="privacy.purge"),
        Binding("s", "screen_share", "Screen share", id="privacy.screen-share"),
    ]

    def __init__(
        self,
        service: Service | None,
        *,
        id: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(service, id=id, clock=clock)
        self.rows: list[tuple[str, Toggle | None]] = []

    def compose(self) -> ComposeResult:
        if self.service is None:
            yield EmptyState("Link an account to see and change what it may share.")
            return
        yield Static("", id="privacy-share")
        table: DataTable[Text] = VimDataTable(cursor_type="row", id="privacy-table")
        table.add_columns("Setting", "Value", "What it does")
        yield table
        yield Static("", id="privacy-help")

    def on_mount(self) -> None:
        if self.service is None:
            return
        self.watch(self.app, "screen_share", self._share_changed, init=False)
        self.refresh_rows()

    def handle_event(self, event: Event) -> None:
        # Saved here or in another dashboard attached to the same service.
        changed = isinstance(event, PrefsChanged) and event.what in ("privacy", "accounts")
        if self.service is not None and changed:
            self.refresh_rows()

    def _share_changed(self, _value: bool) -> None:
        self.refresh_share()

    def refresh_share(self) -> None:
        on = bool(getattr(self.app, "screen_share", False))
        text = Text.assemble(
            ("Screen share: ", "bold"),
            (
                "ON — bodies and names are hidden on screen" if on else "off",
                "reverse" if on else "",
            ),
            ("    (s toggles; not saved: it lasts until you turn it off or quit)", "dim"),
        )
        self.query_one("#privacy-share", Static).update(text)

    def refresh_rows(self) -> None:
        service = self.service
        assert service is not None
        self.refresh_share()
        table = self.query_one("#privacy-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.rows = []
        for account in service.prefs.accounts:
            platform = str(account.platform)
            connected = service.connected(account.id)
            title = f"{account.id} · {platform}" + ("" if connected else " · not connected")
            table.add_row(
                Text("▸ " + sanitize(title, max_chars=60, single_line=True), style="bold"),
                Text(""),
                Text(""),
                key=f"{len(self.rows)}",
            )
            self.rows.append((account.id, None))
            settings = service.privacy(account.id)
            for toggle in TOGGLES:
                limit = limit_for(platform, toggle.key, connected)
                style = "dim" if limit else ""
                value = _value(settings, toggle)
                table.add_row(
                    Text(toggle.label, style=style),
                    Text(value, style=style or ("bold" if value != "off" else "")),
                    Text(
                        f"unavailable: {limit}" if limit else _help(platform, toggle), style=style
                    ),
                    key=f"{len(self.rows)}",
                )
                self.rows.append((account.id, toggle))
        if self.rows:
            table.move_cursor(row=min(max(row, 1), len(self.rows) - 1), animate=False)
        self._show_help()

    def _show_help(self) -> None:
        selected = self._selected()
        text = "space: toggle   +/-: days   x: purge old history now   s: screen share"
        if selected is not None:
            text = f"{selected[1].help}\n{text}"
        self.query_one("#privacy-help", Static).update(Text(text))

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        if self.service is not None:
            self._show_help()

    def _selected(self) -> tuple[str, Toggle] | None:
        if self.service is None:
            return None
        row = self.query_one("#privacy-table", DataTable).cursor_row
        if not 0 <= row < len(self.rows):
            return None
        account_id, toggle = self.rows[row]
        return None if toggle is None else (account_id, toggle)

    async def _save(self, account_id: str, key: str, value: bool | int | None) -> bool:
        service = self.service
        assert service is not None
        try:
            await service.update_prefs(SetPrivacy(account_id, key, value))
        except Exception as exc:  # a config broken by hand meanwhile, a read-only file
            self.notify(
                sanitize(f"not saved: {exc}", max_chars=300),
                title="Privacy",
                severity="error",
                markup=False,
            )
            return False
        self.refresh_rows()
        return True

    async def action_flip(self) -> None:
        selected = self._selected()
        if selected is None or self.service is None:
            return
        account_id, toggle = selected
        if toggle.days:
            await self.action_days(1)
            return
        current = bool(getattr(self.service.privacy(account_id), toggle.key))
        if toggle.key == "store_bodies" and current:
            question = (
                f"Stop storing message text for {account_id} and erase the text of every "
                "message already stored for it? This cannot be undone."
            )

            async def answered(yes: bool | None) -> None:
                if yes:
                    await self._bodies_off(account_id)

            self.app.push_screen(ConfirmScreen(sanitize(question, max_chars=300)), answered)
            return
        if await self._save(account_id, toggle.key, not current):
            state = "on" if not current else "off"
            self.notify(f"{toggle.label}: {state} (saved)", title=account_id, markup=False)

    async def _bodies_off(self, account_id: str) -> None:
        if await self._save(account_id, "store_bodies", False):
            self.erase_bodies(account_id)

    @work(group="privacy-purge", name="Erasing message text", exit_on_error=False)
    async def erase_bodies(self, account_id: str) -> None:
        assert self.service is not None
        self.notify("Erasing the text of stored messages…", title=account_id, markup=False)
        count = await self.service.purge_bodies(account_id)
        self.notify(f"Erased the text of {count:,} messages.", title=account_id, markup=False)

    async def action_days(self, step: int) -> None:
        selected = self._selected()
        if selected is None or self.service is None or not selected[1].days:
            return
        account_id, toggle = selected
        steps = DAY_STEPS[toggle.key]
        current = getattr(self.service.privacy(account_id), toggle.key)
        index = steps.index(current) if current in steps else len(steps) - 1
        new = steps[min(max(index + step, 0), len(steps) - 1)]
        if new != current and await self._save(account_id, toggle.key, new):
            self.notify(
                f"{toggle.label}: {_value(self.service.privacy(account_id), toggle)} (saved)",
                title=account_id,
                markup=False,
            )

    def action_purge_now(self) -> None:
        if self.service is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.purge_old()

        question = "Delete every local message older than each account's history limit now?"
        self.app.push_screen(ConfirmScreen(question), answered)

    @work(group="privacy-purge", name="Purging old history", exit_on_error=False)
    async def purge_old(self) -> None:
        assert self.service is not None
        self.notify("Deleting messages past their history limit…", markup=False)
        total = await self.service.purge_history()
        self.notify(f"Deleted {total:,} messages past their history limit.", markup=False)

    def action_screen_share(self) -> None:
        app = self.app
        app.screen_share = not getattr(app, "screen_share", False)  # type: ignore[attr-defined]
