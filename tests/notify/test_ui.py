"""The real dashboard: alerts from live batches, the Filters and Privacy tabs from the keyboard."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Static

from tests.pilot import eventually, wait_until
from tui.domain.rules import NotificationRule, RuleAction, Sink
from tui.modals.confirm import ConfirmScreen
from tui.modals.rule_form import RuleForm
from tui.panes.filters import FiltersPane
from tui.screens.main import MainScreen
from tui.services.events import MessagesArrived, RaisedAlert
from tui.widgets.safe import HIDDEN_MARK

from .conftest import UiRig


def toasts(app: Any) -> list[RaisedAlert]:
    """Alerts this terminal was given (the hotlist names them; no toast since issue 12)."""
    alerts = app.main_screen.alerts
    return list(alerts.shown) if alerts is not None else []


def bodies(app: Any) -> list[str]:
    return [alert.body for alert in toasts(app)]


async def open_filters(pilot: Any) -> FiltersPane:
    await pilot.pause()
    await pilot.press("3")
    pane: FiltersPane = pilot.app.query_one(FiltersPane)
    table = pane.query_one("#rules-table", DataTable)
    await wait_until(pilot, lambda: pilot.app.focused is table)
    return pane


async def test_catch_up_is_silent_and_a_live_message_alerts(ui: UiRig) -> None:
    ui.runtime.prefs_file.set_rules([])
    ui.runtime.reload_prefs()
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        start = len(toasts(pilot.app))
        # A backfill batch of the same kind of message never alerts.
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        conv = ui.sim.world.inboxes["demo-page"].conversations[0]
        stored = await ui.runtime.store.messages_page("demo-page", conv.id, None, 1)
        await screen.dispatch_event(MessagesArrived("demo-page", stored, catch_up=True))
        assert len(toasts(pilot.app)) == start
        await ui.customer_writes("Are you open on Sunday?")
        await wait_until(pilot, lambda: "Are you open on Sunday?" in bodies(pilot.app))
        alerts = screen.alerts
        assert alerts is not None and alerts.delivered[-1].alert.rule_name is None


async def test_toggling_a_rule_from_the_keyboard_acts_on_the_next_message(ui: UiRig) -> None:
    async with ui.app().run_test(size=(120, 40)) as pilot:
        pane = await open_filters(pilot)
        await ui.customer_writes("first, silenced")
        await pilot.pause(0.2)
        assert "first, silenced" not in bodies(pilot.app)
        assert pane.query_one("#rules-table", DataTable).cursor_row == 0
        await pilot.press("space")
        assert ui.runtime.prefs.notifications.rules[0].enabled is False
        saved = ui.config_text()
        assert "this comment must survive every save" in saved
        assert "enabled = false" in saved
        await ui.customer_writes("second, allowed")
        await wait_until(pilot, lambda: "second, allowed" in bodies(pilot.app))


async def test_rules_move_and_delete_with_confirmation(ui: UiRig) -> None:
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await pilot.press("J")
        names = [r.name for r in ui.runtime.prefs.notifications.rules]
        assert names == ["Refunds", "Silence everything"]
        await pilot.press("K")
        assert ui.runtime.prefs.notifications.rules[0].name == "Silence everything"
        await pilot.press("d")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        assert len(ui.runtime.prefs.notifications.rules) == 2
        await pilot.press("d", "y")
        await pilot.pause()
        assert [r.name for r in ui.runtime.prefs.notifications.rules] == ["Refunds"]
        assert "Silence everything" not in ui.config_text()


async def test_rule_form_validates_then_saves(ui: UiRig) -> None:
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await pilot.press("a")
        form = pilot.app.screen
        assert isinstance(form, RuleForm)
        form.query_one("#rule-name", Input).value = "Orders"
        form.query_one("#rule-patterns", Input).value = r"order #(\d+ ;; (a|aa)\1+$"
        form.query_one("#rule-quiet", Input).value = "25:00-07:00"
        await pilot.press("ctrl+s")
        errors = str(form.query_one("#rule-errors", Static).render())
        assert errors.count("cannot be used") == 2 and "HH:MM-HH:MM" in errors
        assert pilot.app.screen is form
        form.query_one("#rule-patterns", Input).value = r"order #\d+ ;; commande"
        form.query_one("#rule-quiet", Input).value = "22:00-07:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, RuleForm)
        added = ui.runtime.prefs.notifications.rules[-1]
        assert added.name == "Orders"
        assert added.patterns == (r"order #\d+", "commande")
        assert added.quiet_hours == "22:00-07:00"
        assert 'name = "Orders"' in ui.config_text()


async def test_why_explains_a_recent_message(ui: UiRig) -> None:
    async with ui.app().run_test(size=(120, 40)) as pilot:
        pane = await open_filters(pilot)
        await ui.customer_writes("Je veux un remboursement")
        recent = pane.query_one("#recent-table", DataTable)
        wanted = "Je veux un remboursement"
        await wait_until(pilot, lambda: any(p[0].text == wanted for p in pane.previews))
        assert pane.previews[0][0].text == wanted, "newest first"
        assert recent.row_count == len(pane.previews) > 1
        # The alert service records why it fired on its own task, after the pane may have
        # shown the message: wait for that record, as a user reading the row a moment later.
        arrived = pane.previews[0][0]
        fired = ui.runtime.notifier.fired
        await wait_until(pilot, lambda: (arrived.account_id, arrived.remote_id) in fired)
        recent.move_cursor(row=0)
        await pilot.press("w")
        why = str(pane.query_one("#why", Static).render())
        assert "When it arrived: rule 1 “Silence everything” fired: silent" in why
        assert "✓ 1. Silence everything: matched" in why
        assert "not reached (earlier match)" in why


async def test_dnd_key_saves_and_shows_in_the_header(ui: UiRig) -> None:
    ui.runtime.prefs_file.set_rules([NotificationRule("All", sinks=(Sink.TOAST,))])
    ui.runtime.reload_prefs()
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+d")
        assert ui.runtime.prefs.notifications.dnd is True
        assert "dnd = true" in ui.config_text()
        header = str(pilot.app.query_one("#status-line").render())
        summary = " ".join(str(w.render()) for w in pilot.app.query("#status-line *"))
        assert "DND on" in header + summary
        before = len(toasts(pilot.app))
        await ui.customer_writes("during dnd")
        await pilot.pause(0.2)
        assert "during dnd" not in bodies(pilot.app)
        assert len(toasts(pilot.app)) == before + 0
        await pilot.press("ctrl+d")
        assert ui.runtime.prefs.notifications.dnd is False
        await ui.customer_writes("after dnd")
        await wait_until(pilot, lambda: "after dnd" in bodies(pilot.app))


async def test_desktop_and_bell_sinks_and_notification_text_off(ui: UiRig) -> None:
    rule = NotificationRule("Loud", sinks=(Sink.TOAST, Sink.BELL, Sink.DESKTOP))
    ui.runtime.prefs_file.set_rules([rule])
    ui.runtime.prefs_file.set_privacy("demo-page", "notification_text", False)
    ui.runtime.reload_prefs()
    async with ui.app().run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen) and screen.alerts is not None
        written: list[str] = []
        rings: list[int] = []
        screen.alerts.driver.write = written.append
        screen.alerts.driver.bell = lambda: rings.append(1)
        await ui.customer_writes("my secret address")
        await wait_until(pilot, lambda: bool(written))
        name = ui.sim.world.inboxes["demo-page"].conversations[0].customer.name
        assert bodies(pilot.app)[-1] == f"New message from {name}"
        assert rings == [1]
        assert written[0].startswith("\x1b]777;notify;")
        assert "secret" not in written[0] and f"New message from {name}" in written[0]


async def test_screen_share_hides_names_and_text(ui: UiRig) -> None:
    ui.runtime.prefs_file.set_rules([])
    ui.runtime.reload_prefs()
    async with ui.app().run_test(size=(120, 40)) as pilot:
        pane = await open_filters(pilot)
        await ui.customer_writes("visible words")
        recent = pane.query_one("#recent-table", DataTable)
        await wait_until(
            pilot, lambda: recent.row_count > 0 and "visible words" in str(recent.get_row_at(0)[3])
        )
        await pilot.press("4", "s")
        assert pilot.app.screen_share is True  # type: ignore[attr-defined]
        assert str(recent.get_row_at(0)[3]) == HIDDEN_MARK
        assert str(recent.get_row_at(0)[2]) == HIDDEN_MARK
        await ui.customer_writes("more words")
        await wait_until(
            pilot, lambda: "New message (hidden while screen sharing)" in bodies(pilot.app)
        )
        assert not any("more words" in b for b in bodies(pilot.app))


async def test_privacy_tab_toggles_save_at_once(ui: UiRig) -> None:
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = pilot.app.query_one("#privacy-table", DataTable)
        table.focus()
        table.move_cursor(row=1)  # demo-page: send read receipts
        await pilot.press("space")
        assert ui.runtime.privacy("demo-page").send_read_receipts is False
        assert "send_read_receipts = false" in ui.config_text()
        table.move_cursor(row=4)  # backfill history
        await pilot.press("minus")
        assert ui.runtime.privacy("demo-page").backfill_days == 7
        table.move_cursor(row=5)  # store bodies: asks first
        await pilot.press("space")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: not ui.runtime.privacy("demo-page").store_bodies)
        texts: set[str] = set()

        async def collect() -> None:
            texts.clear()
            async for m in ui.runtime.store.iter_messages(account_id="demo-page"):
                texts.add(m.text)

        async def only_empty() -> bool:
            await collect()
            return texts == {""}

        await eventually(only_empty)


async def test_highlight_rule_marks_the_conversation(ui: UiRig) -> None:
    rules = [NotificationRule("Refunds", keywords=("refund",), action=RuleAction.HIGHLIGHT)]
    ui.runtime.prefs_file.set_rules(rules)
    ui.runtime.reload_prefs()
    async with ui.app().run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen) and screen.alerts is not None
        alerts = screen.alerts
        before = len(toasts(pilot.app))
        await ui.customer_writes("I want a REFUND")
        conv = ui.sim.world.inboxes["demo-page"].conversations[0].id
        await wait_until(pilot, lambda: ("demo-page", conv) in alerts.highlighted)
        assert len(toasts(pilot.app)) == before
