"""What a person sees: the Profiles tab with an account in every state, and the Activity tab."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.pilot import wait_until
from tests.profiles.conftest import Rig, make_rig
from tests.simrig import built_apart
from tui.app import DashboardApp
from tui.domain import AccountState, AccountStatus, ActivityEvent, Platform
from tui.panes.activity import ActivityPane
from tui.panes.profiles import ProfilesPane
from tui.services.account_facts import EXPIRES_KEY, ISSUED_KEY
from tui.simulator.tokens import Token

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EXTRA_ACCOUNTS = """
[[accounts]]
id = "corner-shop"
platform = "messenger"
page_id = "{page_id}"
graph_url = "http://sim.test"
name = "Corner Shop"

[[accounts]]
id = "shop-ig"
platform = "instagram"
api = "page"
page_id = "{page_id}"
ig_user_id = "{ig_id}"
graph_url = "http://sim.test"
name = "cornershop"

[[accounts]]
id = "studio-two"
platform = "instagram"
api = "instagram_login"
token_env = "STUDIO_TWO_TOKEN"
ig_user_id = "{login_id}"
graph_url = "http://sim.test/instagram"
name = "studio.two"
"""


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def inert(rig: Rig) -> None:
    """No live sync while the picture is taken: the states below are the ones shown."""

    async def idle(stop: asyncio.Event) -> None:
        await stop.wait()

    rig.runtime.engine.run = idle  # type: ignore[method-assign]
    rig.runtime.outbox.run = idle  # type: ignore[method-assign]


async def six_states(tmp_path: Path) -> Rig:
    rig = await make_rig(tmp_path)
    world = rig.sim.world
    rig.config.write_text(
        rig.config.read_text()
        + EXTRA_ACCOUNTS.format(
            page_id=world.page_id, ig_id=world.ig_page_id, login_id=world.ig_login_id
        )
    )
    page = rig.sim.tokens.get(world.tokens["page"])
    assert page is not None
    narrow = [s for s in page.scopes if s != "pages_messaging"]
    rig.sim.tokens.add(
        Token("EAAcornershop", "PAGE", page.app_id, page.user_id, page.profile_id, narrow)
    )
    login = rig.sim.tokens.get(world.tokens["ig_login"])
    assert login is not None
    rig.sim.tokens.add(
        Token("IGAAstudiotwo", "IG", login.app_id, login.user_id, login.profile_id, login.scopes)
    )
    secrets = rig.config.parent / "secrets.toml"
    secrets.write_text(
        secrets.read_text() + f'corner-shop = "EAAcornershop"\nshop-ig = "{world.tokens["page"]}"\n'
    )
    await rig.runtime.close()
    rig.runtime = (await make_rig_runtime(rig)).runtime
    # One account after the other: the app runs on another event loop, and the store's
    # lock must not have been waited on in this one.
    for sync in rig.runtime.engine.accounts.values():
        await sync.poll_once()
    await rig.revoke("ig_login")
    statuses = {
        "demo-page": (AccountState.CONNECTED, "", None),
        "demo-ig": (AccountState.RATE_LIMITED, "", NOW + timedelta(minutes=35)),
        "demo-iglogin": (AccountState.NEEDS_REAUTH, "token password changed", None),
        "corner-shop": (AccountState.SYNCING, "", None),
        "shop-ig": (AccountState.PAUSED, "paused by you", None),
        "studio-two": (AccountState.ERROR, "server error (HTTP 500)", None),
    }
    for account_id, (state, detail, until) in statuses.items():
        sync = rig.runtime.engine.accounts[account_id]
        sync.status = AccountStatus(
            account_id, sync.account.platform, state, detail, until, NOW - timedelta(minutes=3)
        )
    facts = {
        ISSUED_KEY: (NOW - timedelta(days=57)).isoformat(),
        EXPIRES_KEY: (NOW + timedelta(days=3)).isoformat(),
    }
    await rig.runtime.store.apply_batch("studio-two", platform=Platform.INSTAGRAM, cursors=facts)
    await rig.control.aclose()
    inert(rig)
    return rig


async def make_rig_runtime(rig: Rig) -> Rig:
    from tui.services.runtime import open_runtime

    rig.runtime = await open_runtime(rig.config, rig.data_dir, transport=rig.transport)
    return rig


def settle(tab: str, ready: Callable[[DashboardApp], bool]) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, DashboardApp)
        await wait_until(pilot, lambda: app.focused is not None)
        await pilot.pause(0.2)
        await pilot.press(tab)
        await wait_until(pilot, lambda: ready(app))
        await pilot.pause(0.2)

    return run_before


def verified(app: DashboardApp) -> bool:
    pane = app.main_screen.query_one(ProfilesPane)
    rows = getattr(pane, "rows", {})
    return len(rows) == 6 and all(
        r.verification is not None for k, r in rows.items() if k != "shop-ig"
    )


async def on_corner_shop(pilot: Pilot[None]) -> None:
    """The details pane of the account that lacks a permission."""
    await settle("2", verified)(pilot)
    await pilot.press("down", "down", "down")
    await pilot.pause(0.1)


def test_profiles_tab_with_an_account_in_every_state(
    snap_compare: Any, tmp_path: Path, utc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A token from the environment cannot be refreshed by Linkdeck: its expiry stays a warning.
    monkeypatch.setenv("STUDIO_TWO_TOKEN", "IGAAstudiotwo")
    rig = built_apart(six_states(tmp_path), lambda built: built.runtime)
    monkeypatch.setattr(ProfilesPane, "clock", staticmethod(lambda: NOW))
    app = DashboardApp(runtime=rig.runtime, user_themes_dir=tmp_path / "themes")
    try:
        assert snap_compare(app, terminal_size=(120, 36), run_before=on_corner_shop)
    finally:
        asyncio.run(rig.runtime.close())


async def logged(tmp_path: Path) -> Rig:
    rig = await make_rig(tmp_path)
    inert(rig)
    entries = [
        (0, "link", "demo-page", "Linked Le Petit Four Bakery"),
        (5, "link", "demo-iglogin", "Linked petitfour.studio"),
        (60, "send", "demo-page", "Sent a reply to Ana Souza"),
        (120, "permission_change", "demo-page", "Permissions changed: lost pages_messaging"),
        (180, "token_refresh", "demo-iglogin", "Token refreshed; now valid until 2027-01-24"),
        (240, "sync_error", "demo-ig", "Sync failed: server error (HTTP 500)"),
        (300, "token_expired", "demo-ig", "Token password changed; sync paused"),
        (360, "preference", "demo-page", "Paused sync"),
        (420, "unlink", "demo-ig", "Unlinked lepetitfour.bakery: kept local messages"),
        (480, "sync_error", "demo-page", "Sync failed: [bold]hostile[/] \x1b[31mtext\x1b[0m"),
    ]
    for minutes, kind, account, summary in entries:
        at = NOW - timedelta(hours=9) + timedelta(minutes=minutes)
        await rig.runtime.store.log_activity(ActivityEvent(at, kind, summary, account))
    await rig.control.aclose()
    return rig


def activity_rows(count: int) -> Callable[[DashboardApp], bool]:
    def ready(app: DashboardApp) -> bool:
        from textual.widgets import DataTable

        table = app.main_screen.query_one(ActivityPane).query_one(DataTable)
        return table.row_count == count

    return ready


def test_activity_tab(snap_compare: Any, tmp_path: Path, utc: None) -> None:
    rig = built_apart(logged(tmp_path), lambda built: built.runtime)
    app = DashboardApp(runtime=rig.runtime, user_themes_dir=tmp_path / "themes")
    try:
        assert snap_compare(app, terminal_size=(120, 30), run_before=settle("5", activity_rows(10)))
    finally:
        asyncio.run(rig.runtime.close())


def test_activity_tab_filtered_by_account_and_kind(
    snap_compare: Any, tmp_path: Path, utc: None
) -> None:
    rig = built_apart(logged(tmp_path), lambda built: built.runtime)
    app = DashboardApp(runtime=rig.runtime, user_themes_dir=tmp_path / "themes")

    async def filtered(pilot: Pilot[None]) -> None:
        await settle("5", activity_rows(10))(pilot)
        await pilot.press("A", "A")  # demo-ig
        await pilot.press("K", "K", "K", "K", "K", "K", "K", "K")  # sync_error
        await wait_until(pilot, lambda: activity_rows(1)(pilot.app))  # type: ignore[arg-type]
        await pilot.pause(0.1)

    try:
        assert snap_compare(app, terminal_size=(120, 20), run_before=filtered)
    finally:
        asyncio.run(rig.runtime.close())
