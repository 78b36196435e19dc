"""``linkdeck`` paints its shell first, then the dashboard replaces it (issue 16, goal 1).

The loader here is the real one's contract: it runs after the shell's first frame, opens
the service (a real one, attached over its socket) and hands it to the app.
"""

from __future__ import annotations

import asyncio

from tests.conftest import ServiceRig
from tests.pilot import wait_until
from tui.app import DashboardApp
from tui.panes.inbox import InboxPane
from tui.screens.main import MainScreen
from tui.shell import LOADING_TEXT, ShellScreen
from tui.widgets.virtual_list import VirtualList

SIZE = (120, 40)


async def test_the_shell_shows_first_and_the_dashboard_replaces_it(service_rig: ServiceRig) -> None:
    client = await service_rig.attach()
    opened = asyncio.Event()
    release = asyncio.Event()

    async def loader(app: DashboardApp) -> bool:
        opened.set()
        await release.wait()
        app.service = client
        return True

    app = DashboardApp(loader=loader, user_themes_dir=service_rig.tmp / "themes")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, opened.is_set)
        # While the service opens: the header, the five tabs and "Loading…", nothing else.
        shell = app.screen
        assert isinstance(shell, ShellScreen) and not app.loaded
        assert str(shell.query_one("#shell-loading").render()) == LOADING_TEXT
        tabs = [str(tab.label) for tab in shell.query("Tab")]
        assert tabs == ["1 Inbox", "2 Profiles", "3 Filters", "4 Privacy", "5 Activity"]
        assert not app.query(InboxPane)

        release.set()
        await wait_until(pilot, lambda: app.loaded)
        assert isinstance(app.screen, MainScreen) and app.main_screen is app.screen
        pane = app.query_one(InboxPane)
        await wait_until(pilot, lambda: pane.refreshes >= 1)
        lst = app.query_one("#inbox-list", VirtualList)
        await wait_until(pilot, lambda: lst.cursor_key is not None)
        header = " ".join(str(w.render()) for w in app.query("#status-line *"))
        assert f"service {service_rig.service.info.pid} since" in header
        # The dashboard's keys work on the loaded screen: 2 shows the Profiles tab.
        await pilot.press("2")
        await wait_until(pilot, lambda: app.screen.query_one("#tabs").active == "profiles")  # type: ignore[attr-defined]


async def test_a_loader_that_cannot_open_ends_the_app_without_a_dashboard() -> None:
    async def loader(app: DashboardApp) -> bool:
        app.exit(return_code=3)
        return False

    app = DashboardApp(loader=loader)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code == 3)
        assert not app.loaded
