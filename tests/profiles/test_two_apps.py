"""Two apps, two secrets: the Facebook app and Instagram Login's own app.

Pages relied on (nermalcat69/meta-business-api, facebook-dev-docs/markdown/):
- docs/graph-api/guides/secure-requests.md: appsecret_proof is the HMAC-SHA256 of the
  access token keyed with the app secret; "Require App Secret" refuses calls without it.
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md:
  "Your app's Instagram App ID" / "Instagram App Secret" from "API setup with Instagram
  login", used by ``graph.instagram.com/access_token`` (``client_secret``).
"""

from __future__ import annotations

from pathlib import Path

import tomlkit

from tests.profiles.conftest import SIM_URL
from tui.config import load_prefs
from tui.domain import AccountState
from tui.services.runtime import open_runtime
from tui.services.signin import AppCredentials, LinkPlatform, SignIn
from tui.simulator import SimClock, Simulator


def drop_app_secrets(secrets: Path) -> None:
    doc = tomlkit.parse(secrets.read_text())
    del doc["app_secrets"]
    secrets.write_text(tomlkit.dumps(doc))


async def sync_states(sim: Simulator, config: Path, data: Path) -> dict[str, AccountState]:
    runtime = await open_runtime(config, data, transport=sim.transport(), clock=sim.clock.now)
    try:
        await runtime.engine.run_once()
        return {k: s.status.state for k, s in runtime.engine.accounts.items()}
    finally:
        await runtime.close()


async def test_every_account_proves_its_calls_with_its_own_apps_secret(tmp_path: Path) -> None:
    sim = Simulator(clock=SimClock.fixed(), conversations_per_account=2)
    sim.require_app_secret = True
    config = sim.write_config(tmp_path / "cfg", SIM_URL)
    assert sim.world.app_secret not in config.read_text()
    states = await sync_states(sim, config, tmp_path / "data")
    assert set(states.values()) == {AccountState.CONNECTED}, states
    hosts = {r.host for r in sim.requests}
    assert hosts == {"graph.facebook.com", "graph.instagram.com"}
    assert all(any(k == "appsecret_proof" for k, _ in r.query) for r in sim.requests)


async def test_without_the_app_secrets_a_require_app_secret_app_refuses(tmp_path: Path) -> None:
    sim = Simulator(clock=SimClock.fixed(), conversations_per_account=2)
    sim.require_app_secret = True
    config = sim.write_config(tmp_path / "cfg", SIM_URL)
    drop_app_secrets(config.parent / "secrets.toml")
    states = await sync_states(sim, config, tmp_path / "data")
    assert AccountState.CONNECTED not in states.values(), states


def test_an_app_secret_in_config_toml_is_refused_and_the_ids_are_read(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[apps.facebook]\napp_id = "111"\napp_secret = "s3cr3t-fb"\n'
        '[apps.instagram]\napp_id = "222"\n'
    )
    prefs, problems = load_prefs(config)
    assert prefs.app_ids == {"facebook": "111", "instagram": "222"}
    [problem] = problems
    assert "apps.facebook.app_secret" in str(problem) and "secrets.toml" in str(problem)
    assert "s3cr3t-fb" not in str(problem)


async def test_instagram_login_exchanges_with_the_instagram_apps_secret(tmp_path: Path) -> None:
    sim = Simulator(clock=SimClock.fixed(), conversations_per_account=2)
    world = sim.world
    short = world.tokens["ig_short"]
    only_facebook = AppCredentials(app_id=world.app_id, app_secret=world.app_secret)
    signin = SignIn(
        LinkPlatform.INSTAGRAM_LOGIN,
        graph_url=SIM_URL,
        credentials=only_facebook,
        transport=sim.transport(),
        clock=sim.clock.now,
    )
    token, expires = await signin.exchange(short)
    assert (token, expires) == (short, None)
    assert any("Instagram app's secret" in note for note in signin.notes)
    await signin.aclose()
    both = AppCredentials(
        app_id=world.app_id,
        app_secret=world.app_secret,
        ig_app_id=world.ig_app_id,
        ig_app_secret=world.ig_app_secret,
    )
    signin = SignIn(
        LinkPlatform.INSTAGRAM_LOGIN,
        graph_url=SIM_URL,
        credentials=both,
        transport=sim.transport(),
        clock=sim.clock.now,
    )
    token, expires = await signin.exchange(short)
    assert token != short and expires is not None
    await signin.aclose()
    exchange = next(r for r in sim.requests if r.path == "/access_token" and r.status == 200)
    assert ("client_secret", "REDACTED") in exchange.query


async def test_the_wizard_reads_app_ids_from_config_and_secrets_from_secrets_toml(
    tmp_path: Path,
) -> None:
    sim = Simulator(clock=SimClock.fixed(), conversations_per_account=2)
    config = sim.write_config(tmp_path / "cfg", SIM_URL)
    prefs, _ = load_prefs(config)
    creds = AppCredentials.load(prefs.app_ids, config.parent / "secrets.toml", {})
    assert (creds.app_id, creds.app_secret) == (sim.world.app_id, sim.world.app_secret)
    assert (creds.ig_app_id, creds.ig_app_secret) == (sim.world.ig_app_id, sim.world.ig_app_secret)
    env = {"LINKDECK_IG_APP_SECRET": "from-env"}
    assert AppCredentials.load(
        prefs.app_ids, config.parent / "secrets.toml", env
    ).ig_app_secret == ("from-env")
