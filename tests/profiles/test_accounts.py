"""Account lifecycle: link, unlink (keep or purge), pause, refresh, permissions, revocation."""

from __future__ import annotations

import asyncio
import stat
from datetime import timedelta

from tests.profiles.conftest import SIM_URL, Rig
from tui.config import AccountConfig
from tui.config.secrets import read_secrets
from tui.domain import AccountState, InstagramApi, Platform, PrivacySettings
from tui.services.account_facts import EXPIRES_KEY, ISSUED_KEY, LinkPlan, expiry_warning
from tui.services.events import AccountStateChanged
from tui.simulator.tokens import Token
from tui.store.webhooks import WebhookRecord


def secrets_of(rig: Rig) -> dict[str, str]:
    return read_secrets(rig.config.parent / "secrets.toml")


async def kinds(rig: Rig, account_id: str | None = None) -> list[str]:
    events = await rig.runtime.store.activity_page(account_id=account_id)
    return [e.kind for e in events]


async def test_link_writes_config_and_secret_and_starts_sync(small_rig: Rig) -> None:
    rig = small_rig
    rig.config.write_text("# my own notes\n" + rig.config.read_text())
    token = rig.sim.world.tokens["ig_login"]
    config = AccountConfig(
        id="studio",
        platform=Platform.INSTAGRAM,
        ig_user_id=rig.sim.world.ig_login_id,
        api=InstagramApi.INSTAGRAM_LOGIN,
        graph_url=SIM_URL + "/instagram",
        name="petitfour.studio",
    )
    privacy = PrivacySettings(send_read_receipts=False, backfill_days=7)
    await rig.manager().link(LinkPlan(config, token, None, privacy, frozenset({"a"})))
    text = rig.config.read_text()
    assert text.startswith("# my own notes\n")
    assert 'id = "studio"' in text and token not in text
    assert secrets_of(rig)["studio"] == token
    mode = stat.S_IMODE((rig.config.parent / "secrets.toml").stat().st_mode)
    assert mode == 0o600
    prefs = rig.runtime.prefs
    assert prefs.privacy_for("studio").send_read_receipts is False
    assert prefs.privacy_for("studio").backfill_days == 7
    assert "studio" in rig.runtime.engine.accounts
    await rig.runtime.engine.run_once()
    assert (await rig.runtime.store.counts("studio"))[0] > 0
    assert "link" in await kinds(rig, "studio")


async def test_unlink_without_purge_keeps_messages(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    before = await rig.runtime.store.counts("demo-ig")
    rig.config.write_text(rig.config.read_text() + "\n# trailing comment\n")
    purged = await rig.manager().unlink("demo-ig", purge=False)
    assert purged == 0
    assert await rig.runtime.store.counts("demo-ig") == before
    text = rig.config.read_text()
    assert '"demo-ig"' not in text and '"demo-page"' in text
    assert "# trailing comment" in text
    assert "demo-ig" not in secrets_of(rig) and "demo-page" in secrets_of(rig)
    assert "demo-ig" not in rig.runtime.engine.accounts
    [event] = await rig.runtime.store.activity_page(account_id="demo-ig", kinds=["unlink"])
    assert "kept local messages" in event.summary


async def test_unlink_with_purge_deletes_messages(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    _, messages = await rig.runtime.store.counts("demo-page")
    assert messages > 0
    purged = await rig.manager().unlink("demo-page", purge=True)
    assert purged == messages
    assert await rig.runtime.store.counts("demo-page") == (0, 0)
    assert "demo-page" not in secrets_of(rig)
    [event] = await rig.runtime.store.activity_page(account_id="demo-page", kinds=["unlink"])
    assert f"purged {messages}" in event.summary


async def test_unlink_with_purge_drops_its_webhook_events_not_applied(rig: Rig) -> None:
    """Events delivered for the account and not applied yet hold its customers' words;
    purging the account takes them too, and leaves other accounts' events alone."""
    store = rig.runtime.store
    page = rig.runtime.prefs.account("demo-page")
    assert page is not None and page.page_id
    now = rig.sim.clock.now()
    waiting = [
        WebhookRecord("k-page", "page", page.page_id, 1, '{"text": "gate code 4471 emuquill"}'),
        WebhookRecord("k-other", "page", "999000111", 2, '{"text": "for another page"}'),
    ]
    assert await store.add_webhook_events(waiting, now) == 2
    await rig.manager().unlink("demo-page", purge=True)
    left = await store.pending_webhook_events()
    assert [e.entry_id for e in left] == ["999000111"]
    assert "emuquill" not in repr(await store._all("SELECT payload FROM webhook_inbox"))


async def test_pause_is_saved_and_stops_the_account(rig: Rig) -> None:
    manager = rig.manager()
    await manager.set_paused("demo-page", True)
    assert "paused = true" in rig.config.read_text()
    assert rig.runtime.engine.accounts["demo-page"].paused
    await manager.set_paused("demo-page", False)
    assert "paused" not in rig.config.read_text()
    assert not rig.runtime.engine.accounts["demo-page"].paused


async def set_token_facts(rig: Rig, account_id: str, issued_days: int, expires_days: int) -> None:
    now = rig.sim.clock.now()
    facts = {
        ISSUED_KEY: (now - timedelta(days=issued_days)).isoformat(),
        EXPIRES_KEY: (now + timedelta(days=expires_days)).isoformat(),
    }
    await rig.runtime.store.apply_batch(account_id, platform=Platform.INSTAGRAM, cursors=facts)


async def test_an_expiring_instagram_login_token_is_refreshed(rig: Rig) -> None:
    old = rig.sim.world.tokens["ig_login"]
    manager = rig.manager()
    # Far from expiry: nothing happens.
    await set_token_facts(rig, "demo-iglogin", issued_days=10, expires_days=50)
    assert not await manager.refresh_if_due("demo-iglogin")
    # Within the week before expiry: refreshed, saved, used, logged.
    rig.sim.clock.advance(44 * 86400)
    await set_token_facts(rig, "demo-iglogin", issued_days=54, expires_days=6)
    assert await manager.refresh_if_due("demo-iglogin")
    new = secrets_of(rig)["demo-iglogin"]
    assert new != old and new.startswith("IGAA")
    assert old not in rig.config.read_text() and new not in rig.config.read_text()
    facts = await manager.token_facts("demo-iglogin")
    assert facts.expires_at is not None and facts.expires_at - rig.sim.clock.now() > timedelta(
        days=59
    )
    [event] = await rig.runtime.store.activity_page(kinds=["token_refresh"])
    assert event.account_id == "demo-iglogin" and "refreshed" in event.summary
    await rig.runtime.engine.run_once()
    assert rig.runtime.engine.accounts["demo-iglogin"].status.state is AccountState.CONNECTED


async def test_a_young_token_is_never_refreshed(rig: Rig) -> None:
    await set_token_facts(rig, "demo-iglogin", issued_days=0, expires_days=3)
    assert not await rig.manager().refresh_if_due("demo-iglogin")
    assert await kinds(rig) == []


async def test_a_permission_lost_between_verifications_is_logged(rig: Rig) -> None:
    manager = rig.manager()
    first = await manager.verify("demo-page")
    assert first is not None and not first.missing
    scopes = ["pages_show_list", "pages_manage_metadata", "pages_read_engagement"]
    await rig.post(f"/_sim/tokens/{rig.sim.world.tokens['page']}", {"scopes": scopes})
    second = await manager.verify("demo-page")
    assert second is not None and "pages_messaging" in second.missing
    [event] = await rig.runtime.store.activity_page(kinds=["permission_change"])
    assert event.account_id == "demo-page" and "lost" in event.summary
    assert "pages_messaging" in event.summary
    # Verifying again with nothing changed logs nothing more.
    await manager.verify("demo-page")
    assert len(await rig.runtime.store.activity_page(kinds=["permission_change"])) == 1


async def test_a_revoked_token_is_reported_once_however_often_it_fails(rig: Rig) -> None:
    queue = rig.runtime.bus.subscribe()
    await rig.revoke("ig_login")
    for _ in range(3):
        await rig.runtime.engine.run_once()
    await rig.manager().verify("demo-iglogin")
    status = rig.runtime.engine.accounts["demo-iglogin"].status
    assert status.state is AccountState.NEEDS_REAUTH
    assert "password changed" in status.detail
    changes = []
    while not queue.empty():
        event = queue.get_nowait()
        if isinstance(event, AccountStateChanged) and event.status.account_id == "demo-iglogin":
            changes.append(event.status.state)
    assert changes.count(AccountState.NEEDS_REAUTH) == 1
    assert (await kinds(rig, "demo-iglogin")).count("token_expired") == 1


async def test_reauthenticating_saves_the_new_token_and_resumes(rig: Rig) -> None:
    await rig.revoke("page")
    await rig.runtime.engine.run_once()
    before = rig.runtime.engine.accounts["demo-page"].status.state
    assert before is AccountState.NEEDS_REAUTH
    fresh = rig.sim.world.ids.token("EAA")
    old = rig.sim.tokens.get(rig.sim.world.tokens["page"])
    assert old is not None
    rig.sim.tokens.add(Token(fresh, "PAGE", old.app_id, old.user_id, old.profile_id, old.scopes))
    await rig.manager().reauthenticate("demo-page", fresh)
    assert secrets_of(rig)["demo-page"] == fresh
    await asyncio.wait_for(rig.runtime.engine.run_once(), 10)
    after = rig.runtime.engine.accounts["demo-page"].status.state
    assert after is AccountState.CONNECTED
    assert "reauth" in await kinds(rig, "demo-page")


def test_expiry_is_warned_from_seven_days_before(rig: Rig) -> None:
    now = rig.sim.clock.now()
    assert expiry_warning(now + timedelta(days=8), now) is None
    assert expiry_warning(now + timedelta(days=6, hours=1), now) == "token expires in 6 days"
    assert expiry_warning(now + timedelta(hours=5), now) == "token expires in 5 h"
    assert expiry_warning(now - timedelta(seconds=1), now) == "token expired"
    assert expiry_warning(None, now) is None
