"""Help lists the current screen's keys first, grouped, and shows a keymap clash where it
can be fixed (item 14)."""

from __future__ import annotations

from textual.widgets import Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.screens.help import HelpScreen


def _help_lines(app: object) -> list[str]:
    from tui.app import DashboardApp

    assert isinstance(app, DashboardApp)
    return str(app.screen.query_one("#help-table", Static).render()).splitlines()


async def test_help_starts_with_the_keys_of_the_screen_in_use(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        lines = _help_lines(app)
        assert lines[0].strip() == "On this screen"
        first_inbox = next(i for i, line in enumerate(lines) if "inbox.reply" in line)
        elsewhere = lines.index("Elsewhere")
        first_activity = next(i for i, line in enumerate(lines) if "activity.kind" in line)
        assert first_inbox < elsewhere < first_activity
        assert any(line.strip() == "Inbox" for line in lines[:elsewhere])


async def test_a_keymap_clash_is_shown_in_the_help(rig: Rig) -> None:
    app = rig.app(keymap={"inbox.snooze": "S"})
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        lines = _help_lines(app)
        assert lines[0].startswith("Key clashes")
        assert "inbox.merge-suggest" in lines[1]
        marked = [line for line in lines if "⚠ clash" in line]
        assert any("inbox.snooze" in line for line in marked)
        assert any("inbox.merge-suggest" in line for line in marked)
