"""Pilot tests: the link wizard for each platform, unlink, pause, and the re-auth toast."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from tests.pilot import wait_until
from tests.profiles.conftest import SIM_URL, Rig
from tui.app import DashboardApp
from tui.config.secrets import read_secrets
from tui.domain import AccountState
from tui.modals import link_wizard
from tui.modals.confirm import UnlinkScreen
from tui.modals.link_wizard import LinkWizard
from tui.panes.profiles import ProfilesPane
from tui.simulator.tokens import Token


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    await wait_until(pilot, condition)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Device-login polls come every few milliseconds instead of every five seconds."""

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0.01)

    monkeypatch.setattr(link_wizard, "poll_sleep", sleep)


def app_for(rig: Rig, tmp_path: Path, seen: list[Message] | None = None) -> DashboardApp:
    return DashboardApp(runtime=rig.runtime, user_themes_dir=tmp_path / "themes")


async def show_profiles(pilot: Pilot[None]) -> ProfilesPane:
    """Once the dashboard has settled, switch to the Profiles tab and wait for its rows."""
    await until(pilot, lambda: pilot.app.focused is not None)
    await pilot.pause(0.2)
    await pilot.press("2")
    pane = pilot.app.screen.query_one(ProfilesPane)
    await until(pilot, lambda: pane.query_one(DataTable).has_focus)
    runtime = pane.service
    assert runtime is not None
    await until(pilot, lambda: len(getattr(pane, "rows", ())) == len(runtime.prefs.accounts))
    return pane


async def reauth_by_paste(pilot: Pilot[None]) -> LinkWizard:
    """``R`` on the highlighted account, then "paste a token": the wizard, at its input."""
    app = pilot.app
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, LinkWizard))
    wizard = app.screen
    assert isinstance(wizard, LinkWizard)
    await until(pilot, lambda: wizard.step == "signin")
    await choose_option(pilot, wizard, "#signin-list", "paste")
    return wizard


async def open_wizard(pilot: Pilot[None]) -> LinkWizard:
    await show_profiles(pilot)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(pilot.app.screen, LinkWizard))
    wizard = pilot.app.screen
    assert isinstance(wizard, LinkWizard)
    return wizard


async def choose_option(
    pilot: Pilot[None], wizard: LinkWizard, list_id: str, option_id: str
) -> None:
    """Highlight an option by its id (not its position) and choose it."""
    options = wizard.query_one(list_id, OptionList)
    await until(pilot, lambda: options.option_count > 0 and options.display)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = ids.index(option_id)
    options.focus()
    await pilot.press("enter")


async def approve_on_phone(
    rig: Rig, pilot: Pilot[None], wizard: LinkWizard, scopes: list[str] | None = None
) -> None:
    await until(pilot, lambda: wizard.device is not None)
    assert wizard.device is not None
    text = str(wizard.query_one("#device-box", Static).render())
    assert wizard.device.user_code in text and "facebook.com/device" in text
    body: dict[str, object] = {"approve": True}
    if scopes is not None:
        body["scopes"] = scopes
    await rig.post(f"/_sim/device/{wizard.device.user_code}", body)


async def finish(pilot: Pilot[None], wizard: LinkWizard) -> str | None:
    """Steps 5 to 7 with their defaults; returns the id the wizard saved."""
    await until(pilot, lambda: wizard.step == "messaging")
    await pilot.press("enter")
    await until(pilot, lambda: wizard.step == "sync")
    await pilot.press("enter")
    await until(pilot, lambda: wizard.step == "review")
    account_id = wizard.query_one("#account-id", Input).value
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, LinkWizard))
    return account_id


@pytest.mark.parametrize(("downs", "expected_platform"), [(0, "messenger"), (1, "instagram")])
async def test_wizard_links_through_device_login(
    empty_rig: Rig,
    tmp_path: Path,
    downs: int,
    expected_platform: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rig = empty_rig
    # No account names the simulator's host yet: the environment does.
    monkeypatch.setenv("LINKDECK_GRAPH_URL", SIM_URL)
    before = rig.config.read_text()
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await pilot.press(*["down"] * downs, "enter")
        await until(pilot, lambda: wizard.step == "signin")
        await choose_option(pilot, wizard, "#signin-list", "device")
        await approve_on_phone(rig, pilot, wizard)
        # Nothing is written while the wizard runs.
        assert rig.config.read_text() == before
        await until(pilot, lambda: wizard.step == "target")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "permissions")
        text = str(wizard.query_one("#permissions-text", Static).render())
        assert "All required permissions are granted" in text
        await pilot.press("enter")
        assert rig.config.read_text() == before
        account_id = await finish(pilot, wizard)
        assert account_id
        assert account_id in rig.runtime.engine.accounts
        await until(pilot, lambda: account_id in app.screen.query_one(ProfilesPane).rows)
    text = rig.config.read_text()
    assert f'id = "{account_id}"' in text and f'platform = "{expected_platform}"' in text
    assert account_id in read_secrets(rig.config.parent / "secrets.toml")
    assert "EAA" not in text


async def test_wizard_links_instagram_login_with_a_masked_pasted_token(
    small_rig: Rig, tmp_path: Path
) -> None:
    rig = small_rig
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: wizard.step == "signin")
        await pilot.press("enter")  # paste: Instagram Login has no device login
        box = wizard.query_one("#token-input", Input)
        assert box.password and box.has_focus
        await pilot.press(*"IGAA")
        assert "IGAA" not in str(box.render_line(0))
        box.value = rig.sim.world.tokens["ig_short"]
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "target")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "permissions")
        await pilot.press("enter")
        review = ""
        await until(pilot, lambda: wizard.step == "messaging")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "sync")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "review")
        review = str(wizard.query_one("#review-text", Static).render())
        assert "exchanged for a long-lived token" in review
        assert "secrets.toml" in review and "IGAA" not in review
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, LinkWizard))
    assert 'id = "petitfour-studio"' in rig.config.read_text()
    saved = read_secrets(rig.config.parent / "secrets.toml")["petitfour-studio"]
    assert saved != rig.sim.world.tokens["ig_short"]


async def test_a_declined_permission_is_shown_and_the_user_may_go_on(
    empty_rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = empty_rig
    monkeypatch.setenv("LINKDECK_GRAPH_URL", SIM_URL)
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "signin")
        await choose_option(pilot, wizard, "#signin-list", "device")
        scopes = ["pages_show_list", "pages_manage_metadata", "pages_read_engagement"]
        await approve_on_phone(rig, pilot, wizard, scopes)
        await until(pilot, lambda: wizard.step == "target")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "permissions")
        text = str(wizard.query_one("#permissions-text", Static).render())
        assert "pages_messaging: cannot read or answer messages" in text
        await pilot.press("down", "enter")  # back
        await until(pilot, lambda: wizard.step == "target")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "permissions")
        await pilot.press("enter")  # continue with fewer features
        account_id = await finish(pilot, wizard)
    assert account_id and f'id = "{account_id}"' in rig.config.read_text()
    events = await rig.runtime.store.activity_page(kinds=["link"])
    assert "pages_messaging" not in events[0].detail


async def test_an_expired_device_code_is_said_and_nothing_is_saved(
    small_rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = small_rig
    before = rig.config.read_text()

    async def sleep(seconds: float) -> None:
        # Nobody approves: time on the simulator runs out while the wizard waits.
        rig.sim.clock.advance(seconds)
        await asyncio.sleep(0.005)

    monkeypatch.setattr(link_wizard, "poll_sleep", sleep)
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await pilot.press("down", "enter")
        await until(pilot, lambda: wizard.step == "signin")
        await choose_option(pilot, wizard, "#signin-list", "device")
        box = wizard.query_one("#device-box", Static)
        await until(pilot, lambda: "expired" in str(box.render()))
        assert wizard.step == "signin"
        await pilot.press("escape", "escape")
        await until(pilot, lambda: not isinstance(app.screen, LinkWizard))
    assert rig.config.read_text() == before
    assert await rig.runtime.store.activity_page(kinds=["link"]) == []


async def test_unlink_from_the_profiles_tab(rig: Rig, tmp_path: Path) -> None:
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_profiles(pilot)
        await until(pilot, lambda: len(pane.rows) == 3)
        table = pane.query_one(DataTable)
        table.focus()
        await pilot.press("down")  # demo-ig
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, UnlinkScreen))
        assert "lepetitfour.bakery" in str(app.screen.query_one("#unlink-title", Static).render())
        await pilot.press("escape")
        assert len(pane.rows) == 3
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, UnlinkScreen))
        await pilot.press("k")
        await until(pilot, lambda: len(pane.rows) == 2)
        assert "demo-ig" not in pane.rows
    assert '"demo-ig"' not in rig.config.read_text()
    [event] = await rig.runtime.store.activity_page(kinds=["unlink"])
    assert event.account_id == "demo-ig"


async def test_an_unlink_whose_purge_fails_says_so_and_is_finished_later(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge is announced as it begins; when it fails the toast says what happened
    (the workers' errors used to vanish: the pane just did nothing), the account is gone
    and the purge is left marked for the next start."""
    import sqlite3

    from tui.store import maintenance

    def broken(*_args: object, **_kwargs: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(maintenance, "_delete_conversations", broken)
    seen: list[Message] = []
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        pane = await show_profiles(pilot)
        await until(pilot, lambda: len(pane.rows) == 3)
        stored = pane.rows["demo-ig"].counts[1]
        assert stored > 0
        pane.query_one(DataTable).focus()
        await pilot.press("down")  # demo-ig
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, UnlinkScreen))
        await pilot.press("P")

        def toasts() -> list[tuple[str, str]]:
            return [
                (m.notification.severity, m.notification.message)
                for m in seen
                if isinstance(m, Notify)
            ]

        await until(pilot, lambda: any(level == "error" for level, _ in toasts()))
        assert ("information", f"Unlinking demo-ig: purging {stored:,} local messages…") in toasts()
        failed = [text for level, text in toasts() if level == "error"]
        assert failed == [
            "Unlink failed: demo-ig is unlinked, but the purge stopped (OperationalError: disk "
            "I/O error); it finishes at the next start"
        ]
        await until(pilot, lambda: "demo-ig" not in pane.rows)
        assert app.is_running
    assert await rig.runtime.store.unfinished_purges() == {"demo-ig": "account"}


async def test_pause_from_the_profiles_tab(rig: Rig, tmp_path: Path) -> None:
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_profiles(pilot)
        await until(pilot, lambda: len(pane.rows) == 3)
        pane.query_one(DataTable).focus()
        await pilot.press("p")
        await until(
            pilot,
            lambda: (
                pane.rows["demo-page"].status is not None
                and pane.rows["demo-page"].status.state is AccountState.PAUSED
            ),
        )
    assert "paused = true" in rig.config.read_text()


async def test_a_revoked_token_gives_exactly_one_notification(rig: Rig, tmp_path: Path) -> None:
    seen: list[Message] = []
    app = DashboardApp(runtime=rig.runtime, user_themes_dir=tmp_path / "themes")
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        pane = await show_profiles(pilot)
        await until(pilot, lambda: len(pane.rows) == 3)
        await rig.revoke("page")
        for _ in range(4):
            rig.runtime.engine.poll_now()
            await pilot.pause(0.1)
        pane.query_one(DataTable).focus()
        await pilot.press("v")
        await until(
            pilot,
            lambda: (
                pane.rows["demo-page"].status is not None
                and pane.rows["demo-page"].status.state is AccountState.NEEDS_REAUTH
            ),
        )
        await pilot.pause(0.3)
        toasts = [m for m in seen if isinstance(m, Notify) and m.notification.title]
        reauth = [m for m in toasts if m.notification.title == "Token no longer works"]
        # The Page token serves two accounts (Messenger and Instagram via the Page).
        accounts = sorted(m.notification.message.split(" ")[0] for m in reauth)
        assert accounts == ["demo-ig", "demo-page"]
        details = str(pane.query_one("#profile-details", Static).render())
        assert "needs re-authentication" in details and "password changed" in details


async def test_reauthenticate_with_a_pasted_token_resumes_sync(rig: Rig, tmp_path: Path) -> None:
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_profiles(pilot)
        await rig.revoke("page")
        rig.runtime.engine.poll_now("demo-page")

        def state() -> AccountState | None:
            status = pane.rows["demo-page"].status if "demo-page" in pane.rows else None
            return status.state if status else None

        await until(pilot, lambda: state() is AccountState.NEEDS_REAUTH)
        old = rig.sim.tokens.get(rig.sim.world.tokens["page"])
        assert old is not None
        rig.sim.tokens.add(
            Token("EAAfreshpage", "PAGE", old.app_id, old.user_id, old.profile_id, old.scopes)
        )
        wizard = await reauth_by_paste(pilot)
        wizard.query_one("#token-input", Input).value = "EAAfreshpage"
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, LinkWizard))
        await until(pilot, lambda: state() is AccountState.CONNECTED)
    assert read_secrets(rig.config.parent / "secrets.toml")["demo-page"] == "EAAfreshpage"
    assert "EAAfreshpage" not in rig.config.read_text()


async def test_a_page_name_is_shown_as_text_when_a_token_cannot_reach_it(
    rig: Rig, tmp_path: Path
) -> None:
    """Re-auth with a token of another account names the Page as Meta named it: brackets
    and all. Read as markup, '[Berlin]' vanished and a '[/]' ended the dashboard."""
    hostile = "Le Petit Four [Berlin] [/]"
    rig.runtime.prefs_file.set_account_field("demo-page", "name", hostile)
    # Linked to a Page the Page token below does not reach.
    rig.runtime.prefs_file.set_account_field("demo-page", "page_id", "100000000000001")
    rig.runtime.reload_prefs()
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_profiles(pilot)
        wizard = await reauth_by_paste(pilot)
        wizard.query_one("#token-input", Input).value = rig.sim.world.tokens["page"]
        await pilot.press("enter")
        status = wizard.query_one("#wizard-status", Static)
        await until(pilot, lambda: "cannot reach" in str(status.render()))
        assert f"This token cannot reach {hostile}; sign in as its owner." in str(status.render())
        assert app.is_running
