"""The Profiles tab: every linked account's health, token, permissions and counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Static

from tui.adapters.base import Verification
from tui.adapters.errors import AdapterError
from tui.config import AccountConfig
from tui.domain import AccountState, AccountStatus
from tui.domain.clock import utc_now
from tui.modals.confirm import UnlinkScreen
from tui.panes.base import RuntimePane
from tui.services.account_facts import (
    VERIFY_EVERY,
    TokenFacts,
    expiry_warning,
    standard_access_hint,
    token_facts,
)
from tui.services.api import Service
from tui.services.events import (
    AccountStateChanged,
    ConversationsChanged,
    Event,
    MessagesArrived,
    PrefsChanged,
)
from tui.widgets.action_errors import ReportsFailedActions
from tui.widgets.empty_state import EmptyState, no_account_text
from tui.widgets.safe import safe
from tui.widgets.vim import VimDataTable

COLUMNS = {
    "Account": 12,
    "Platform": 11,
    "Name": 14,
    "State": 24,
    "Token": 16,
    "Permissions": 11,
    "Synced": 6,
    "Conv/msgs": 9,
}
"""Column -> width: DataTable cannot measure Content cells, and fixed widths keep rows steady."""
LIVE_RELOAD_EVERY = 1.0
"""Seconds: while messages arrive, the counts and bridges are read again this often at most."""
_PLATFORM_SHORT = {"messenger": "FB Page", "page": "IG via Page", "instagram_login": "IG Login"}
_PLATFORM = {"messenger": "Messenger", "instagram": "Instagram", "matrix": "Matrix"}
_STATE_STYLE = {
    AccountState.CONNECTED: "$status-ok",
    AccountState.SYNCING: "$status-busy",
    AccountState.PAUSED: "$muted-text",
    AccountState.RATE_LIMITED: "$status-warn",
    AccountState.NEEDS_REAUTH: "$status-error",
    AccountState.ERROR: "$status-error",
}


@dataclass(frozen=True)
class ProfileRow:
    """Everything one row and its details show."""

    config: AccountConfig
    status: AccountStatus | None
    verification: Verification | None
    token: TokenFacts
    counts: tuple[int, int]
    problem: str | None = None
    """Why the account is not running at all (its token could not be read)."""
    budget: str | None = None
    """How fresh polling keeps this account and how much of its budget is left."""
    bridges: str | None = None
    """Matrix: the bridges found in the account's rooms, and their portal counts."""
    checked_at: datetime | None = None
    """When ``v`` (or the periodic check) last verified the account."""


def platform_text(config: AccountConfig) -> str:
    name = _PLATFORM.get(config.platform.value, config.platform.value)
    if config.api is not None and config.api.value == "instagram_login":
        return f"{name} (IG Login)"
    if config.api is not None:
        return f"{name} (via Page)"
    return name


def state_text(row: ProfileRow, tz: tzinfo | None, *, short: bool = False) -> Content:
    """connected, syncing, paused, rate limited until hh:mm, needs re-auth (why), error."""
    if row.problem:
        return Content.styled("error: token unreadable", "$status-error")
    status = row.status
    if status is None:
        return Content.styled("not started", "$muted-text")
    style = _STATE_STYLE.get(status.state, "")
    if status.state is AccountState.RATE_LIMITED:
        until = f" until {status.until.astimezone(tz):%H:%M}" if status.until else ""
        return Content.styled(f"rate limited{until}", style)
    if status.state is AccountState.NEEDS_REAUTH:
        return Content.assemble(
            Content.styled("needs re-auth" if short else "needs re-authentication", style),
            ": ",
            safe(_why(status.detail), max_chars=40, single_line=True),
        )
    if status.state is AccountState.ERROR:
        return Content.assemble(
            Content.styled("error", style),
            ": ",
            safe(status.detail or "unknown", max_chars=40, single_line=True),
        )
    return Content.styled(status.state.value, style)


def _why(detail: str | None) -> str:
    """The reason a token stopped, without "token invalid: invalid" style repeats."""
    reason = (detail or "").removeprefix("token invalid: ").strip()
    return "token invalid" if reason in ("", "invalid") else reason


def token_text(row: ProfileRow, now: datetime, *, short: bool = False) -> Content:
    """The token's expiry, as a warning from seven days before; once the token stopped
    working, that (an expiry date beside "needs re-auth" would contradict the state)."""
    stopped = row.status is not None and row.status.state is AccountState.NEEDS_REAUTH
    if stopped or (row.verification is not None and not row.verification.token_valid):
        return Content.styled(
            "not working (R)" if short else "not working: press R", "$status-error"
        )
    expires = (row.verification.expires_at if row.verification else None) or row.token.expires_at
    warning = expiry_warning(expires, now)
    if warning and short:
        left = warning.removeprefix("token expires in ")
        return Content.styled(
            "expired" if left == "token expired" else f"{left} left", "$status-warn bold"
        )
    if warning:
        return Content.styled(warning, "$status-warn bold")
    if expires is not None:
        return Content(f"until {expires:%Y-%m-%d}")
    if row.token.never_expires:
        return Content("never expires")
    return Content.styled("no known expiry", "$muted-text")


def permissions_text(row: ProfileRow, *, short: bool = False) -> Content:
    verification = row.verification
    if verification is None:
        return Content.styled("not verified" if short else "not verified yet", "$muted-text")
    if not verification.token_valid:
        return Content.styled("unknown" if short else "unknown (token invalid)", "$status-error")
    required = len(verification.required)
    have = required - len(verification.missing)
    if not required:  # a Matrix login: a homeserver grants no scopes
        return Content.styled("none needed", "$muted-text")
    if not verification.missing:
        return Content.styled(f"{have}/{required} granted", "$status-ok")
    if short:
        return Content.styled(f"{have}/{required} granted", "$status-warn bold")
    return Content.styled(
        f"{have}/{required}: missing " + ", ".join(sorted(verification.missing)), "$status-warn"
    )


def check_summary(row: ProfileRow) -> str:
    """One line saying what the last verification found."""
    verification = row.verification
    if verification is None:
        return "not verified yet"
    if not verification.token_valid:
        return verification.error or "token invalid"
    required = len(verification.required)
    have = required - len(verification.missing)
    if verification.missing:
        return f"token valid; {have}/{required} permissions, missing " + ", ".join(
            sorted(verification.missing)
        )
    if verification.error:
        return f"token valid; {verification.error}"
    if not required:
        return "token valid; no permissions to grant"
    return f"token valid; {have}/{required} permissions granted"


def details_text(row: ProfileRow, now: datetime, tz: tzinfo | None) -> Content:
    """The details pane of one account: its reasons in full, each missing permission named."""
    config = row.config
    lines: list[Content] = [
        Content.assemble(
            safe(config.name or config.id, style="bold", max_chars=60, single_line=True),
            "   ",
            safe(config.id, style="$muted-text", max_chars=40, single_line=True),
            " · ",
            Content.styled(platform_text(config), "$muted-text"),
        ),
        Content(f"Page id: {config.page_id or '-'}   Instagram id: {config.ig_user_id or '-'}"),
        Content.assemble("State: ", state_text(row, tz)),
    ]
    if config.platform.value == "matrix":
        lines[1] = safe(
            f"Homeserver: {config.homeserver or '-'}   User: {config.user_id or '-'}   "
            f"Device: {config.device_id or '-'}",
            max_chars=300,
            single_line=True,
        )
        lines.insert(2, safe(f"Bridges: {row.bridges or '-'}", max_chars=300, single_line=True))
    if row.problem:
        lines.append(safe(row.problem, max_chars=300))
    if row.status is not None and row.status.state is AccountState.NEEDS_REAUTH:
        lines.append(Content.styled("Press R to sign in again.", "$status-error"))
    lines.append(Content.assemble("Token: ", token_text(row, now)))
    if row.checked_at is not None:
        lines.append(
            Content.assemble(
                f"Last check {row.checked_at.astimezone(tz):%H:%M}: ",
                safe(check_summary(row), max_chars=200, single_line=True),
            )
        )
    verification = row.verification
    if verification is not None and verification.token_valid:
        granted = ", ".join(sorted(verification.granted & verification.required)) or "none"
        lines.append(Content(f"Granted: {granted}"))
        for permission, what in sorted(verification.missing.items()):
            lines.append(Content.styled(f"Missing {permission}: {what}", "$status-warn"))
    last = row.status.last_success if row.status else None
    meta = config.platform.value in ("messenger", "instagram")
    checked = row.verification
    complete = checked is not None and checked.token_valid and not checked.missing
    if meta and complete and last is not None and row.counts[0] == 0:
        # Synced fine, yet nothing: the likeliest cause is the app's access level.
        hint = standard_access_hint(config)
        lines.append(Content.styled(hint[0].upper() + hint[1:] + ".", "$status-warn"))
    when = f"{last.astimezone(tz):%Y-%m-%d %H:%M}" if last else "never"
    conversations, messages = row.counts
    lines.append(
        Content(f"Last sync: {when}   Stored: {conversations} conversations, {messages} messages")
    )
    if row.budget:
        lines.append(Content(row.budget))
    lines.append(
        Content.styled(
            "a link  v verify  p pause/resume  R re-authenticate  d unlink", "$muted-text"
        )
    )
    return Content("\n").join(lines)


class ProfilesPane(ReportsFailedActions, RuntimePane):
    """A row per linked account and the details of the selected one."""

    REPORTED_GROUPS = frozenset({"profiles-action"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "link", "Link", id="profiles.link"),
        Binding("v", "verify", "Verify", id="profiles.verify"),
        Binding("p", "pause", "Pause/resume", id="profiles.pause"),
        Binding("R", "reauth", "Re-auth", id="profiles.reauth"),
        Binding("d", "unlink", "Unlink", id="profiles.unlink"),
    ]
    DEFAULT_CSS = """
    ProfilesPane {
        #profiles-table { height: auto; max-height: 60%; }
        #profile-details {
            height: 1fr;
            padding: 1 2;
            border-top: solid $panel;
        }
    }
    """
    clock: Callable[[], datetime] = staticmethod(utc_now)
    tz: tzinfo | None = None
    verify_on_mount: ClassVar[bool] = True
    _stale = False
    """Messages were stored while the tab was hidden: read again when it is shown."""

    def compose(self) -> ComposeResult:
        if self.service is None:
            yield EmptyState(no_account_text(), id="profiles-empty")
            return
        table: DataTable[Content] = VimDataTable(id="profiles-table", cursor_type="row")
        for label, width in COLUMNS.items():
            table.add_column(label, width=width)
        yield table
        yield Static(id="profile-details")

    def on_mount(self) -> None:
        if self.service is None:
            return
        self.last_verification: dict[str, Verification] = {}
        self.last_checked: dict[str, datetime] = {}
        self.rows: dict[str, ProfileRow] = {}
        self.reload()
        if self.verify_on_mount:
            self.verify_all()
        self.set_interval(VERIFY_EVERY.total_seconds(), self.verify_all)

    # -- data ----------------------------------------------------------------------------

    async def collect(self) -> list[ProfileRow]:
        service = self.service
        assert service is not None
        problems = {p.split("'")[1]: p for p in service.problems if p.startswith("account '")}
        rows = []
        for config in service.prefs.accounts:
            status = service.status(config.id)
            rows.append(
                ProfileRow(
                    config,
                    status,
                    self.last_verification.get(config.id),
                    await token_facts(service.store, config.id),
                    await service.store.counts(config.id),
                    problems.get(config.id) if status is None else None,
                    service.budget_line(config.id),
                    await _bridges(service, config.id)
                    if config.platform.value == "matrix"
                    else None,
                    checked_at=self.last_checked.get(config.id),
                )
            )
        return rows

    @work(group="profiles-reload", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        await self.show(await self.collect())

    async def show(self, rows: list[ProfileRow]) -> None:
        table = self.query_one("#profiles-table", DataTable)
        now = self.clock()
        wanted = [row.config.id for row in rows]
        for key in [str(k.value) for k in table.rows]:
            if key not in wanted:
                table.remove_row(key)
        for row in rows:
            cells = self._cells(row, now)
            if row.config.id in {str(k.value) for k in table.rows}:
                for column, cell in zip(table.ordered_columns, cells, strict=True):
                    table.update_cell(row.config.id, column.key, cell)
            else:
                table.add_row(*cells, key=row.config.id)
        self.rows = {row.config.id: row for row in rows}
        self._show_details()

    def _cells(self, row: ProfileRow, now: datetime) -> list[Content]:
        config = row.config
        last = row.status.last_success if row.status else None
        conversations, messages = row.counts
        platform = (
            "Matrix"
            if config.platform.value == "matrix"
            else _PLATFORM_SHORT[config.api.value if config.api else "messenger"]
        )
        name = f"@{config.name}" if config.api is not None and config.name else config.name
        return [
            safe(config.id, style="bold", max_chars=24, single_line=True),
            Content(platform),
            safe(name or "-", max_chars=40, single_line=True),
            state_text(row, self.tz, short=True),
            token_text(row, now, short=True),
            permissions_text(row, short=True),
            Content(f"{last.astimezone(self.tz):%H:%M}" if last else "never"),
            Content(f"{conversations}/{messages}"),
        ]

    def selected(self) -> ProfileRow | None:
        if self.service is None:
            return None
        table = self.query_one("#profiles-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(str(key))

    def _show_details(self) -> None:
        details = self.query_one("#profile-details", Static)
        row = self.selected()
        if row is None:
            details.update(Content.styled("No account linked: press a to link one.", "$muted-text"))
        else:
            details.update(details_text(row, self.clock(), self.tz))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_details()

    def handle_event(self, event: Event) -> None:
        if self.service is None:
            return
        if isinstance(event, AccountStateChanged) or (
            isinstance(event, PrefsChanged) and event.what == "accounts"
        ):
            self.reload()
        elif isinstance(event, MessagesArrived | ConversationsChanged):
            # What a sync stored changes the counts and, for Matrix, the bridges found (kept
            # with the cursors): read again, at most once a second, and only when shown.
            if not self.is_on_screen:
                self._stale = True
            else:
                self.once_after(LIVE_RELOAD_EVERY, self.reload)

    def on_show(self, _event: events.Show) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    # -- actions ---------------------------------------------------------------------------

    @work(group="profiles-verify", exclusive=True, exit_on_error=False)
    async def verify_all(self, only: str | None = None) -> None:
        """Refresh due tokens and verify accounts against the platform.

        The rounds at start and every few hours leave paused accounts alone: the user
        stopped their calls, and a check that fails would warn about an account they set
        aside. ``v`` on a paused account (``only``) still checks it.
        """
        service = self.service
        if service is None:
            return
        for config in list(service.prefs.accounts):
            account_id = config.id
            if only not in (None, account_id) or not service.connected(account_id):
                continue
            if only is None and service.paused(account_id):
                continue
            try:
                verification = await service.verify(account_id)
                if verification is not None:
                    self.last_verification[account_id] = verification
                    self.last_checked[account_id] = self.clock()
            except AdapterError as exc:
                self.notify(
                    f"{account_id}: could not verify ({exc})", severity="warning", markup=False
                )
        await self.show(await self.collect())
        if only is not None and only in self.rows:
            # The answer to `v`: said once, and kept in the details pane.
            row = self.rows[only]
            valid = row.verification is not None and row.verification.token_valid
            self.notify(
                f"{only}: {check_summary(row)}",
                title="Verified",
                severity="information" if valid else "warning",
                markup=False,
            )

    def action_verify(self) -> None:
        row = self.selected()
        if row is not None:
            self.notify(f"Verifying {row.config.id}…", markup=False)
            self.verify_all(row.config.id)

    @work(group="profiles-action", name="Pause/resume", exit_on_error=False)
    async def action_pause(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row is None or self.service is None:
            return
        paused = not self.service.paused(row.config.id)
        await self.service.set_paused(row.config.id, paused)
        self.notify(f"{row.config.id}: sync {'paused' if paused else 'resumed'}", markup=False)
        self.reload()

    def action_link(self) -> None:
        self._open_wizard()

    def action_reauth(self) -> None:
        row = self.selected()
        if row is not None:
            self._open_wizard(row.config)

    def _open_wizard(self, reauth: AccountConfig | None = None) -> None:
        if self.service is None:
            return
        # The wizard (sign-in flows, the HTTP client) is imported when it is first opened.
        from tui.modals.link_wizard import LinkWizard

        self.app.push_screen(LinkWizard(self.service, reauth=reauth), self._after_wizard)

    def _after_wizard(self, account_id: str | None) -> None:
        if account_id:
            self.reload()
            self.verify_all(account_id)

    def action_unlink(self) -> None:
        row = self.selected()
        if row is None:
            return

        def done(purge: bool | None) -> None:
            if purge is not None:
                self._unlink(row.config.id, purge, row.counts[1])

        self.app.push_screen(UnlinkScreen(row.config, row.counts), done)

    @work(group="profiles-action", name="Unlink", exit_on_error=False)
    async def _unlink(self, account_id: str, purge: bool, messages: int) -> None:
        assert self.service is not None
        if purge and messages:
            # A million messages take some seconds: say it has begun.
            begun = f"Unlinking {account_id}: purging {messages:,} local messages…"
            self.notify(begun, markup=False)
        try:
            purged = await self.service.unlink_account(account_id, purge=purge)
        finally:
            await self.show(await self.collect())
        what = f"{purged:,} local messages purged" if purge else "local messages kept"
        self.notify(f"Unlinked {account_id}: {what}", markup=False)


async def _bridges(service: Service, account_id: str) -> str:
    """A Matrix account's bridges; the Matrix library is imported only when one is linked."""
    from tui.services.matrix_link import describe_bridges

    return describe_bridges(await service.store.cursors(account_id))
