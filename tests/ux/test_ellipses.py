"""Cut text says so with "…", and the "⟨+N chars⟩" note appears only where it is shorter than
what it hides (issue 12 item 20)."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.domain.models import ActivityEvent
from tui.domain.safetext import sanitize
from tui.modals.search import SearchScreen
from tui.panes.privacy import PrivacyPane
from tui.widgets.safe import safe, safe_highlight

LONG_SUMMARY = "Sent a reply to Ana Souza: " + "about the sourdough order for Saturday " * 4


def static_lines(widget: Static) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


def test_cut_note_only_when_shorter_than_what_it_hides() -> None:
    assert sanitize("le-petit-four-bakery", max_chars=16) == "le-petit-four-bakery"
    assert safe("le-petit-four-bakery", max_chars=16).plain == "le-petit-four-bakery"
    assert safe_highlight("le-petit-four-bakery", [(0, 2)], "bold", max_chars=16).plain == (
        "le-petit-four-bakery"
    )
    long = "x" * 100
    assert sanitize(long, max_chars=16) == "x" * 16 + "…⟨+84 chars⟩"
    assert safe_highlight(long, [(0, 2)], "bold", max_chars=16).plain.endswith("…⟨+84 chars⟩")


async def test_activity_entry_cut_with_an_ellipsis(rig: Rig) -> None:
    await rig.runtime.store.log_activity(
        ActivityEvent(rig.now, "send", LONG_SUMMARY, account_id="le-petit-four-bakery")
    )
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("5")
        table = app.screen.query_one("#activity-table", DataTable)
        await wait_until(pilot, lambda: "Sent a reply" in table.render_line(1).text)
        line = next(
            table.render_line(y).text
            for y in range(1, table.row_count + 1)
            if "Sent a reply" in table.render_line(y).text
        )
        assert line.rstrip().endswith("…"), line
        assert "le-petit-four…" in line, line


async def test_privacy_hint_ends_in_an_ellipsis_when_cut(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(72, 24)) as pilot:
        await ready(pilot)
        await pilot.press("4")
        pane = app.screen.query_one(PrivacyPane)
        await wait_until(pilot, lambda: len(pane.rows) > 1)
        # The longest hint (78 characters) does not fit at 72 columns.
        row = next(i for i, (_, t) in enumerate(pane.rows) if t and t.key == "person_merging")
        pane.query_one("#privacy-table", DataTable).move_cursor(row=row)
        help_text = app.screen.query_one("#privacy-help", Static)
        await wait_until(pilot, lambda: "merged" in " ".join(static_lines(help_text)))
        lines = static_lines(help_text)
        assert lines[0].startswith("Lets this account") and lines[0].endswith("…"), lines
        assert lines[1].startswith("space: toggle"), lines


async def test_search_hint_ends_in_an_ellipsis_at_80_columns(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        hint = app.screen.query_one("#search-help", Static)
        await wait_until(pilot, lambda: "from:NAME" in hint.render_line(0).text)
        assert hint.render_line(0).text.rstrip().endswith("…"), hint.render_line(0).text
