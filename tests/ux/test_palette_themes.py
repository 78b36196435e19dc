"""The palette offers only our themes, not Textual's built-in ones (item 20)."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.pilot import wait_until
from tests.ux.conftest import Rig


async def test_palette_lists_only_our_themes(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert set(app.available_themes) == {
            "linkdeck-dark",
            "linkdeck-light",
            "linkdeck-ansi16",
            "linkdeck-high-contrast",
        }
        # The palette's theme entries and Textual's theme picker both read this list.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
