"""Tokens that do not die silently: expiry learned, Page token status, re-auth, verify.

Pages relied on (nermalcat69/meta-business-api, facebook-dev-docs/markdown/):
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md
  ("Refresh a long-lived token": at least 24 hours old, not expired; GET with
  ``access_token`` in the query string; answers ``expires_in``)
- documentation/business-messaging/instagram-messaging/sample-experience.md (a Page token
  from a long-lived user token has no expiration date)
"""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Static

from tests.profiles.conftest import SIM_URL, Rig
from tests.profiles.test_wizard_ui import app_for, reauth_by_paste, show_profiles, until
from tui.config import AccountConfig
from tui.config.secrets import read_secrets
from tui.domain import AccountState, InstagramApi, Platform
from tui.modals.link_wizard import LinkWizard
from tui.services.account_facts import LinkPlan, expiry_warning
from tui.services.signin import LinkPlatform, SignIn


async def test_an_instagram_token_of_unknown_expiry_is_refreshed_at_24_hours(
    small_rig: Rig,
) -> None:
    rig = small_rig
    pasted = rig.sim.dashboard_token("instagram-login")
    config = AccountConfig(
        id="studio",
        platform=Platform.INSTAGRAM,
        ig_user_id=rig.sim.world.ig_login_id,
        api=InstagramApi.INSTAGRAM_LOGIN,
        graph_url=SIM_URL + "/instagram",
    )
    manager = rig.manager()
    await manager.link(LinkPlan(config, pasted, None))
    assert (await manager.token_facts("studio")).expires_at is None
    rig.sim.clock.advance(23 * 3600)
    assert await manager.refresh_if_due("studio") is False  # Meta refuses under 24 h
    rig.sim.clock.advance(2 * 3600)
    assert await manager.refresh_if_due("studio") is True
    facts = await manager.token_facts("studio")
    assert facts.expires_at is not None
    assert (facts.expires_at - rig.sim.clock.now()).days == 59
    fresh = read_secrets(rig.config.parent / "secrets.toml")["studio"]
    assert fresh != pasted
    refresh = [r for r in rig.sim.requests if r.path == "/refresh_access_token"]
    assert refresh and ("access_token", "REDACTED") in refresh[-1].query
    events = await rig.runtime.store.activity_page(account_id="studio")
    assert any("to learn its expiry" in e.summary for e in events)
    # Known now, and far away: no second refresh.
    assert await manager.refresh_if_due("studio") is False


async def test_a_page_tokens_status_comes_from_debug_token(rig: Rig) -> None:
    manager = rig.manager()
    verification = await manager.verify("demo-page")
    assert verification is not None and verification.token_valid
    assert (await manager.token_facts("demo-page")).never_expires
    assert any(r.path.endswith("/debug_token") for r in rig.sim.requests)
    await rig.post(f"/_sim/tokens/{rig.sim.world.tokens['page']}", {"expires_in": 3 * 86400})
    verification = await manager.verify("demo-page")
    assert verification is not None and verification.expires_at is not None
    now = rig.sim.clock.now()
    assert expiry_warning(verification.expires_at, now) == "token expires in 3 days"


async def reauth_with_f2(rig: Rig, tmp_path: Path, account_id: str) -> None:
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_profiles(pilot)
        table = pane.query_one(DataTable)
        table.move_cursor(row=list(pane.rows).index(account_id))
        wizard = await reauth_by_paste(pilot)
        await until(pilot, lambda: wizard.query_one("#token-input", Input).has_focus)
        await pilot.press("f2")
        await until(pilot, lambda: not isinstance(app.screen, LinkWizard))
        await until(
            pilot,
            lambda: (
                pane.rows[account_id].status is not None
                and pane.rows[account_id].status.state is AccountState.CONNECTED
            ),  # type: ignore[union-attr]
        )


async def test_a_revoked_instagram_login_token_is_reauthorised_in_the_simulator(
    rig: Rig, tmp_path: Path
) -> None:
    await rig.revoke("ig_login")
    await rig.runtime.engine.run_once()
    state = rig.runtime.engine.accounts["demo-iglogin"].status.state
    assert state is AccountState.NEEDS_REAUTH
    await reauth_with_f2(rig, tmp_path, "demo-iglogin")
    saved = read_secrets(rig.config.parent / "secrets.toml")["demo-iglogin"]
    assert saved != rig.sim.world.tokens["ig_login"]


async def test_a_revoked_page_token_is_reauthorised_in_the_simulator(
    rig: Rig, tmp_path: Path
) -> None:
    revoked = rig.sim.world.tokens["page"]
    await rig.revoke("page")
    await rig.runtime.engine.run_once()
    assert rig.runtime.engine.accounts["demo-page"].status.state is AccountState.NEEDS_REAUTH
    await reauth_with_f2(rig, tmp_path, "demo-page")
    assert read_secrets(rig.config.parent / "secrets.toml")["demo-page"] != revoked


async def test_device_login_after_a_revoked_page_token_gets_a_new_page_token(rig: Rig) -> None:
    revoked = rig.sim.world.tokens["page"]
    await rig.revoke("page")
    signin = SignIn(
        LinkPlatform.MESSENGER, graph_url=SIM_URL, transport=rig.transport, clock=rig.sim.clock.now
    )
    await signin.discover_simulator()
    device = await signin.start_device_login()
    await rig.post(f"/_sim/device/{device.user_code}", {"approve": True})
    token, _ = await signin.poll_device_login(device)
    assert token is not None
    [target] = await signin.targets(token)
    await signin.aclose()
    assert target.token != revoked
    # Before the fix this said "the new token is not valid either".
    verification = await rig.manager().reauthenticate("demo-page", target.token)
    assert verification.token_valid


async def test_what_meta_says_of_a_token_is_shown_as_text_not_markup(
    rig: Rig, tmp_path: Path
) -> None:
    """debug_token's own words reach the Verified toast. Read as markup, a '[/]' in them
    ended the dashboard (Textual's MarkupError while drawing the toast)."""
    import json

    from tui.simulator.faults import FaultRule

    words = "Session [/] has expired [link=https://evil.example]here[/link] [b]"
    body = {"data": {"is_valid": False, "error": {"message": words}, "expires_at": 0}}
    rig.sim.faults.add(FaultRule(path="/debug_token", count=-1, status=200, body=json.dumps(body)))
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        pane = await show_profiles(pilot)
        pane.verify_on_mount = False
        await pilot.press("v")

        def shown() -> list[str]:
            return [str(toast.render()) for toast in app.screen.query("Toast")]

        await until(pilot, lambda: any("Session [/] has expired" in text for text in shown()))
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        assert any(f"token invalid: {words}" in text for text in shown())


async def test_a_paused_account_is_checked_only_when_asked(rig: Rig, tmp_path: Path) -> None:
    # The start-up check used to call every account, paused or not, and warned "could not
    # verify" about accounts the user had set aside (a stale token, a Page they left).
    await rig.manager().set_paused("demo-iglogin", True)
    await rig.control.delete("/_sim/requests")
    seen: list[Message] = []
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        pane = await show_profiles(pilot)
        await until(pilot, lambda: len(pane.last_verification) == 2)
        await until(pilot, lambda: not [w for w in app.workers if w.group == "profiles-verify"])
        assert set(pane.last_verification) == {"demo-page", "demo-ig"}
        assert not [r for r in await rig.requests_to("/me") if r["host"] == "graph.instagram.com"]
        assert not [
            m for m in seen if isinstance(m, Notify) and "could not" in m.notification.message
        ]
        pane.query_one(DataTable).move_cursor(row=list(pane.rows).index("demo-iglogin"))
        await pilot.press("v")
        await until(pilot, lambda: "demo-iglogin" in pane.last_verification)
        assert any(r["host"] == "graph.instagram.com" for r in await rig.requests_to("/me"))
        await until(
            pilot,
            lambda: any(
                isinstance(m, Notify) and m.notification.message.startswith("demo-iglogin:")
                for m in seen
            ),
        )


async def test_verify_shows_its_result(rig: Rig, tmp_path: Path) -> None:
    seen: list[Message] = []
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        pane = await show_profiles(pilot)
        pane.verify_on_mount = False
        await pilot.press("v")
        details = pane.query_one("#profile-details", Static)
        await until(pilot, lambda: "Last check" in str(details.render()))
        assert "token valid; 3/3 permissions granted" in str(details.render())
        await until(
            pilot,
            lambda: any(isinstance(m, Notify) and m.notification.title == "Verified" for m in seen),
        )
