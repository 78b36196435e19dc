"""Wizard checkboxes and radio buttons say their state in text, not by colour alone (item 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Checkbox, ContentSwitcher

from tui.modals.link_steps import compose_steps


class SyncStep(App[None]):
    """The wizard's own step layout, showing its data-sync step (a radio set and a checkbox)."""

    def compose(self) -> ComposeResult:
        yield from compose_steps()

    def on_mount(self) -> None:
        self.query_one(ContentSwitcher).current = "step-sync"


def screen_text(app: App[Any]) -> list[str]:
    """What the terminal would hold, as text (colours and styles dropped)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def untick_contacts(pilot: Pilot[None]) -> None:
    pilot.app.query_one("#opt-contacts", Checkbox).value = False
    await pilot.pause()


async def test_state_reads_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = SyncStep()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        await untick_contacts(pilot)
        lines = screen_text(app)
        contacts = next(line for line in lines if "Sync contact names" in line)
        chosen = next(line for line in lines if "30 days" in line)
        others = [line for line in lines if "7 days" in line or " none " in line or " all " in line]
        assert "[ ]" in contacts and "[x]" not in contacts, contacts
        assert "(•)" in chosen, chosen
        assert others and all("( )" in line and "(•)" not in line for line in others), others

        await pilot.click("#opt-contacts")
        await pilot.pause()
        contacts = next(line for line in screen_text(app) if "Sync contact names" in line)
        assert "[x]" in contacts, contacts


def test_sync_step_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(SyncStep(), terminal_size=(80, 24), run_before=untick_contacts)
