"""The Filters tab: the ordered notification rules, a preview over recent messages, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from tui.domain.models import InboxMessage, MessageKind
from tui.domain.rules import NotificationRule, NotificationSettings
from tui.domain.safetext import sanitize
from tui.modals.confirm import ConfirmScreen
from tui.modals.rule_form import RuleForm
from tui.panes.base import RuntimePane
from tui.services.api import PrefsChange, Service, SetDnd, SetRuleEnabled, SetRules
from tui.services.events import (
    AlertsRaised,
    ConversationsChanged,
    Event,
    MessagesArrived,
    PrefsChanged,
)
from tui.services.notifier import (
    Decision,
    MessageContext,
    contexts_for,
    dnd_active,
    explain,
    recent_from_store,
)
from tui.services.rule_engine import local_time
from tui.widgets.empty_state import EmptyState
from tui.widgets.safe import hidden
from tui.widgets.vim import VimDataTable

__all__ = ["FiltersPane", "describe_rule"]


def cell(text: object, style: str = "", width: int = 60) -> Text:
    """A table cell from outside text: sanitised, one line, never parsed as markup."""
    return Text(sanitize(text, max_chars=width, single_line=True), style=style)


def short_cell(text: object, style: str, width: int) -> Text:
    """A cell cut to ``width`` cells with an ellipsis, so the columns after it stay on screen."""
    out = Text(sanitize(text, max_chars=width * 2 + 8, single_line=True), style=style)
    out.truncate(width, overflow="ellipsis")
    return out


def describe_rule(rule: NotificationRule) -> str:
    """What a rule matches, in a few words ("any message" when it has no condition)."""
    parts: list[str] = []
    for label, values in (
        ("platform", rule.platforms),
        ("account", rule.accounts),
        ("kind", rule.kinds),
        ("sender", rule.senders),
        ("words", rule.keywords),
        ("regex", rule.patterns),
    ):
        if values:
            parts.append(f"{label}: {'/'.join(values)}")
    if rule.quiet_hours:
        parts.append(f"during {rule.quiet_hours}")
    return "; ".join(parts) or "any message"


class FiltersPane(RuntimePane):
    """Rules in order (first match wins), toggled, added, edited, deleted and moved in place.

    Every change is written to config.toml at once and governs the next message.
    """

    DEFAULT_CSS = """
    FiltersPane { layout: vertical; }
    FiltersPane #filters-state { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    FiltersPane #rules-table { height: auto; max-height: 12; }
    FiltersPane .section { height: 1; padding: 0 1; margin-top: 1; text-style: bold; }
    FiltersPane #recent-table { height: 1fr; min-height: 5; }
    FiltersPane #why { height: auto; max-height: 12; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_rule", "On/off", id="filters.toggle"),
        Binding("a", "add", "Add", id="filters.add"),
        Binding("e", "edit", "Edit", id="filters.edit"),
        Binding("d", "delete", "Delete", id="filters.delete"),
        Binding("K", "move(-1)", "Move up", id="filters.move-up"),
        Binding("J", "move(1)", "Move down", id="filters.move-down"),
        Binding("w", "why", "Why?", id="filters.why"),
        Binding("n", "dnd_hour", "DND 1 h", show=False, id="filters.dnd-hour"),
    ]

    def __init__(
        self,
        service: Service | None,
        *,
        id: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(service, id=id, clock=clock)
        self.previews: list[tuple[InboxMessage, MessageContext, Decision]] = []

    def compose(self) -> ComposeResult:
        if self.service is None:
            yield EmptyState("Link an account to set up notification filters.")
            return
        yield Static("", id="filters-state")
        rules: DataTable[Text] = VimDataTable(
            cursor_type="row", zebra_stripes=True, id="rules-table"
        )
        rules.add_columns("#", "On", "Rule", "Matches", "Action", "Sinks", "Catches")
        yield rules
        yield Static("Recent messages and the rule that catches each (w: why)", classes="section")
        recent: DataTable[Text] = VimDataTable(cursor_type="row", id="recent-table")
        recent.add_columns("Time", "Account", "From", "Text", "Caught by")
        yield recent
        yield Static("Select a message and press w to see why it did or did not notify.", id="why")

    def on_mount(self) -> None:
        if self.service is None:
            return
        self.watch(self.app, "screen_share", self._screen_share_changed, init=False)
        self.refresh_all()
        self.load_recent()

    def _screen_share_changed(self, _value: bool) -> None:
        self.refresh_recent()

    @property
    def settings(self) -> NotificationSettings:
        assert self.service is not None
        return self.service.prefs.notifications

    @property
    def rules(self) -> list[NotificationRule]:
        return list(self.settings.rules)

    # --- data ------------------------------------------------------------------------

    @work(group="filters-recent", exclusive=True, exit_on_error=False)
    async def load_recent(self) -> None:
        """Fill the preview from the store when no live message arrived yet."""
        service = self.service
        if service is None or service.notifier.recent:
            return
        for message, ctx in await recent_from_store(service.store, self.clock()):
            service.notifier.remember(message, ctx)
        self.refresh_all()

    def handle_event(self, event: Event) -> None:
        if self.service is None:
            return
        if isinstance(event, MessagesArrived):
            self._remember(event)
        elif isinstance(event, AlertsRaised):
            self.refresh_all()  # the service has judged the batch: "why" knows what fired
        elif isinstance(event, PrefsChanged) and event.what in ("rules", "notifications"):
            # Saved here or in another dashboard attached to the same service.
            self.refresh_all()
        elif isinstance(event, ConversationsChanged) and not event.conversation_ids:
            # A whole account changed at once: unlinked and purged, or its stored
            # texts erased. What it held must leave this table now, not minutes later.
            self.refill_recent(event.account_id)

    @work(group="filters-refill", exit_on_error=False)
    async def refill_recent(self, account_id: str) -> None:
        """Forget an account's kept messages, then keep again whatever the store still has."""
        service = self.service
        if service is None:
            return
        service.notifier.forget_account(account_id)
        self.refresh_all()
        for message, ctx in await recent_from_store(service.store, self.clock()):
            if message.account_id == account_id:
                service.notifier.remember(message, ctx)
        self.refresh_all()

    @work(group="filters-remember", exit_on_error=False)
    async def _remember(self, event: MessagesArrived) -> None:
        """Add a live batch to the preview (the service judges it for alerts on its own)."""
        service = self.service
        assert service is not None
        inbound = [m for m in event.messages if not m.from_us and m.kind is not MessageKind.ECHO]
        if inbound:
            now = self.clock()
            contexts = await contexts_for(service.store, inbound, now, catch_up=event.catch_up)
            for message, ctx in zip(inbound, contexts, strict=True):
                service.notifier.remember(message, ctx)
        self.refresh_all()

    def refresh_all(self) -> None:
        self._compute_previews()
        self.refresh_state()
        self.refresh_rules()
        self.refresh_recent()

    def _compute_previews(self) -> None:
        service = self.service
        if service is None:
            return
        settings = self.settings
        out = []
        # Newest first by time: backfill delivers old messages after new ones.
        recent = sorted(
            service.notifier.recent,
            key=lambda pair: (pair[0].created_at, pair[0].remote_id),
            reverse=True,
        )
        for message, ctx in recent:
            # "Would catch": judged as if it arrived live at its own time.
            live = replace(ctx, catch_up=False, now=message.created_at)
            out.append((message, ctx, explain(message, settings, live).decision))
        self.previews = out

    def refresh_state(self) -> None:
        settings = self.settings
        dnd = "off"
        if dnd_active(settings, self.clock()):
            dnd = "on"
            if settings.dnd_until:
                dnd = f"on until {_until(settings.dnd_until, settings.timezone, self.clock())}"
        zone = settings.timezone or "system"
        text = (
            f"Do not disturb: {dnd} (ctrl+d)   Flood control: one alert per conversation "
            f"per {settings.flood_seconds} s   Time zone: {zone}"
        )
        self.query_one("#filters-state", Static).update(cell(text, width=200))

    def refresh_rules(self) -> None:
        table = self.query_one("#rules-table", DataTable)
        row = table.cursor_row
        table.clear()
        catches: dict[int, int] = {}
        for _, _, decision in self.previews:
            if decision.rule_index is not None:
                catches[decision.rule_index] = catches.get(decision.rule_index, 0) + 1
        for index, rule in enumerate(self.rules):
            style = "" if rule.enabled else "dim"
            table.add_row(
                cell(str(index + 1), style),
                cell("●" if rule.enabled else "○", "bold" if rule.enabled else "dim"),
                short_cell(rule.name, style, 22),
                short_cell(describe_rule(rule), style, 36),
                cell(rule.action.value, style),
                short_cell(",".join(rule.sinks) if rule.action == "notify" else "—", style, 18),
                cell(str(catches.get(index, 0)), style),
                key=str(index),
            )
        if self.rules:
            table.move_cursor(row=min(max(row, 0), len(self.rules) - 1), animate=False)

    def refresh_recent(self) -> None:
        table = self.query_one("#recent-table", DataTable)
        row = table.cursor_row
        table.clear()
        share = bool(getattr(self.app, "screen_share", False))
        zone_time = self.settings.timezone
        for number, (message, _ctx, decision) in enumerate(self.previews):
            when = _local_time(message.created_at, zone_time)
            who = message.sender_name or message.sender_id
            text = message.text or _placeholder(message)
            caught = decision.rule_name or (
                "default (toast)" if decision.action else decision.reason.removeprefix("no alert: ")
            )
            table.add_row(
                cell(when),
                cell(message.account_id, width=16),
                cell(hidden(who) if share else who, width=24),
                cell(hidden(text) if share else text, width=40),
                cell(caught, width=24),
                key=f"{number}",
            )
        if self.previews:
            table.move_cursor(row=min(max(row, 0), len(self.previews) - 1), animate=False)

    # --- actions ---------------------------------------------------------------------

    async def _update(self, change: PrefsChange) -> bool:
        """Save through the service; the PrefsChanged it announces redraws this pane."""
        service = self.service
        assert service is not None
        try:
            await service.update_prefs(change)
        except Exception as exc:  # e.g. the file was broken by hand meanwhile
            self._error(exc)
            return False
        return True

    async def _save_rules(self, rules: list[NotificationRule], done: str) -> bool:
        if not await self._update(SetRules(tuple(rules))):
            return False
        self.refresh_all()
        self.notify(done, title="Filters", markup=False)
        return True

    def _error(self, exc: Exception) -> None:
        self.notify(
            sanitize(f"not saved: {exc}", max_chars=300),
            title="Filters",
            severity="error",
            markup=False,
        )

    def _selected_rule(self) -> int | None:
        if self.service is None or not self.rules:
            return None
        row = self.query_one("#rules-table", DataTable).cursor_row
        return row if 0 <= row < len(self.rules) else None

    async def action_toggle_rule(self) -> None:
        index = self._selected_rule()
        if index is None:
            return
        rule = self.rules[index]
        if not await self._update(SetRuleEnabled(index, not rule.enabled)):
            return
        self.refresh_all()
        state = "on" if not rule.enabled else "off"
        self.notify(sanitize(f"“{rule.name}” is {state} (saved)", max_chars=120), markup=False)

    def action_add(self) -> None:
        if self.service is None:
            return
        accounts = [a.id for a in self.service.prefs.accounts]

        async def added(rule: NotificationRule | None) -> None:
            if rule is not None and await self._save_rules(
                [*self.rules, rule], "Rule added (saved)"
            ):
                self.query_one("#rules-table", DataTable).move_cursor(row=len(self.rules) - 1)

        self.app.push_screen(RuleForm(None, accounts), added)

    def action_edit(self) -> None:
        index = self._selected_rule()
        if index is None or self.service is None:
            return
        accounts = [a.id for a in self.service.prefs.accounts]

        async def edited(rule: NotificationRule | None) -> None:
            if rule is not None:
                rules = self.rules
                rules[index] = rule
                await self._save_rules(rules, "Rule changed (saved)")

        self.app.push_screen(RuleForm(self.rules[index], accounts), edited)

    def action_delete(self) -> None:
        index = self._selected_rule()
        if index is None:
            return
        rule = self.rules[index]

        async def answered(yes: bool | None) -> None:
            if yes:
                rules = self.rules
                del rules[index]
                await self._save_rules(rules, "Rule deleted (saved)")

        question = sanitize(f"Delete the rule “{rule.name}”?", max_chars=120)
        self.app.push_screen(ConfirmScreen(question), answered)

    async def action_move(self, step: int) -> None:
        index = self._selected_rule()
        if index is None:
            return
        target = index + step
        rules = self.rules
        if not 0 <= target < len(rules):
            return
        rules[index], rules[target] = rules[target], rules[index]
        if await self._save_rules(rules, "Order changed (saved)"):
            self.query_one("#rules-table", DataTable).move_cursor(row=target, animate=False)

    def action_why(self) -> None:
        if self.service is None or not self.previews:
            return
        row = self.query_one("#recent-table", DataTable).cursor_row
        if not 0 <= row < len(self.previews):
            return
        message, ctx, _ = self.previews[row]
        notifier = self.service.notifier
        recorded = notifier.fired.get((message.account_id, message.remote_id))
        live = replace(ctx, catch_up=False, now=message.created_at)
        lines = explain(message, self.settings, live).lines()
        if recorded is not None:
            lines.insert(0, f"When it arrived: {recorded.reason}")
        text = sanitize("\n".join(lines), max_chars=3000)
        self.query_one("#why", Static).update(Text(text))

    async def action_dnd_hour(self) -> None:
        if self.service is None:
            return
        until = (self.clock() + timedelta(hours=1)).replace(microsecond=0)
        if not await self._update(SetDnd(True, until)):
            return
        # The header and this pane redraw on the PrefsChanged the service announces.
        self.notify("Do not disturb for one hour.", title="Notifications", markup=False)


def _placeholder(message: InboxMessage) -> str:
    if message.kind != "message":
        return f"({message.kind})"
    if message.attachments:
        return f"({message.attachments[0].kind or 'attachment'})"
    return ""


def _local_time(moment: datetime, zone: str | None) -> str:
    return local_time(moment, zone).strftime("%d %b %H:%M")


def _until(iso: str, zone: str | None, now: datetime) -> str:
    """``18:00`` today, ``Wed 09:00`` within a week, else ``03 Dec 09:00``, in the rules' zone."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local, today = local_time(moment, zone), local_time(now, zone)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if abs((local.date() - today.date()).days) < 7:
        return f"{local:%a %H:%M}"
    return f"{local:%d %b %H:%M}"
