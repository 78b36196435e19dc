"""Link paths a solo owner can follow, walked against the strict simulator.

Pages relied on (nermalcat69/meta-business-api, facebook-dev-docs/markdown/):
- documentation/business-messaging/messenger-platform/get-started.md ("Messenger API
  Setup" > "Generate access tokens")
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md
  ("API setup with Instagram login")
- reference section 0 items 4 and 5: device login is not documented for these
  permissions; Pages of a business portfolio are missing from /me/accounts and found
  through debug_token's granular_scopes (zammad/zammad#6069).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.widgets import OptionList, Static

from tests.profiles.conftest import SIM_URL, Rig
from tests.profiles.test_duplicates import ScriptedPrompter
from tests.profiles.test_wizard_ui import app_for, choose_option, finish, open_wizard, until
from tui.config.secrets import read_secrets
from tui.services.linking import link_in_terminal
from tui.services.signin import AppCredentials, LinkPlatform, SignIn
from tui.simulator.testing import loopback_simulator


def option_ids(options: OptionList) -> list[str | None]:
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_the_wizard_shows_the_dashboard_steps_and_f2_pastes_the_simulators_token(
    empty_rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = empty_rig
    monkeypatch.setenv("LINKDECK_GRAPH_URL", SIM_URL)
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await choose_option(pilot, wizard, "#platform-list", "messenger")
        await until(pilot, lambda: wizard.step == "signin")
        steps = str(wizard.query_one("#signin-steps", Static).render())
        assert "Messenger API Setup > Generate access tokens" in steps
        assert "This is the simulator" in steps
        methods = wizard.query_one("#signin-list", OptionList)
        assert option_ids(methods) == ["paste", "env", "command", "device"]
        device_label = str(methods.get_option_at_index(3).prompt)
        assert "simulator demo only" in device_label
        await choose_option(pilot, wizard, "#signin-list", "paste")
        await pilot.press("f2")
        await until(pilot, lambda: wizard.step == "target")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "permissions")
        await pilot.press("enter")
        account_id = await finish(pilot, wizard)
    assert account_id
    saved = read_secrets(rig.config.parent / "secrets.toml")[account_id]
    assert saved == rig.sim.world.tokens["page"]


async def test_against_meta_device_login_is_not_offered(
    empty_rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINKDECK_GRAPH_URL", raising=False)
    app = app_for(empty_rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await choose_option(pilot, wizard, "#platform-list", "instagram-login")
        await until(pilot, lambda: wizard.step == "signin")
        methods = wizard.query_one("#signin-list", OptionList)
        assert option_ids(methods) == ["paste", "env", "command"]
        steps = str(wizard.query_one("#signin-steps", Static).render())
        assert "API setup with Instagram login" in steps
        assert "simulator" not in steps


async def test_linkdeck_link_tells_how_to_approve_the_simulators_device_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with loopback_simulator() as (_sim, base_url):
        config = tmp_path / "cfg" / "config.toml"
        prompter = ScriptedPrompter(
            picks=["device login", "Bakery", "30"],
            yeses=[True, True, True, True],
            texts=["", "bakery"],
        )

        async def phone(seconds: float) -> None:
            # Follow the printed hint as a user would, in another terminal.
            out = capsys.readouterr().out
            capsys_lines.append(out)
            hint = next(line for line in out.splitlines() if "/_sim/device/" in line)
            url = hint.split("curl -s -X POST ", 1)[1].split(" ", 1)[0]
            async with httpx.AsyncClient() as control:
                await control.post(url, json={"approve": True})

        capsys_lines: list[str] = []
        code = await link_in_terminal(
            LinkPlatform.MESSENGER,
            config,
            tmp_path / "data",
            prompter=prompter,
            environ={"LINKDECK_GRAPH_URL": base_url},
            sleep=phone,
        )
    printed = "".join(capsys_lines)
    assert code == 0
    assert "Messenger API Setup > Generate access tokens" in printed
    assert f"curl -s -X POST {base_url}/_sim/device/" in printed


async def test_linkdeck_link_in_the_simulator_prints_where_to_get_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with loopback_simulator() as (_sim, base_url):
        config = tmp_path / "cfg" / "config.toml"
        async with httpx.AsyncClient() as control:
            answer = await control.post(
                f"{base_url}/_sim/dashboard/token", json={"platform": "instagram-login"}
            )
        token = answer.json()["access_token"]
        prompter = ScriptedPrompter(
            picks=["paste", "@", "30"], yeses=[True, True, True, True], texts=[token, "studio"]
        )
        code = await link_in_terminal(
            LinkPlatform.INSTAGRAM_LOGIN,
            config,
            tmp_path / "data",
            prompter=prompter,
            environ={"LINKDECK_GRAPH_URL": base_url},
        )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"curl -s -X POST {base_url}/_sim/dashboard/token" in out
    assert "API setup with Instagram login" in out
    assert token not in out


async def test_an_empty_me_accounts_falls_back_to_the_granted_pages(rig: Rig) -> None:
    rig.sim.business_pages = True
    world = rig.sim.world
    creds = AppCredentials(app_id=world.app_id, app_secret=world.app_secret)
    signin = SignIn(
        LinkPlatform.MESSENGER,
        graph_url=SIM_URL,
        credentials=creds,
        transport=rig.transport,
        clock=rig.sim.clock.now,
    )
    [target] = await signin.targets(world.tokens["user"])
    await signin.aclose()
    assert (target.page_id, target.name) == (world.page_id, "Le Petit Four Bakery")
    assert target.token == world.tokens["page"]
    assert any("business portfolio" in note for note in signin.notes)
    paths = [r.path.removeprefix("/v25.0") for r in rig.sim.requests]
    assert paths[-3:] == ["/me/accounts", "/debug_token", f"/{world.page_id}"]
    debug = rig.sim.requests[-2]
    assert ("input_token", "REDACTED") in debug.query
    # input_token travels in the URL on that one call only.
    others = [r for r in rig.sim.requests if not r.path.endswith("/debug_token")]
    assert not any(k == "input_token" for r in others for k, _ in r.query)
