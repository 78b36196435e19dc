"""Strict mode: the simulator refuses what Meta refuses.

Pages relied on (nermalcat69/meta-business-api, facebook-dev-docs/markdown/):
- documentation/business-messaging/instagram-messaging/get-started.md ("Apps with Standard
  Access can only interact with people who have a role on the app")
- docs/graph-api/guides/secure-requests.md (appsecret_proof, "Require App Secret")
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md
  (the Instagram app ID and secret of "API setup with Instagram login")
- documentation/business-messaging/messenger-platform.md (apply for the Human Agent
  permission in "Permissions and Features")
"""

from __future__ import annotations

import hashlib
import hmac

from tests.simulator.conftest import Loop
from tui.simulator import Simulator
from tui.simulator.world import PAGE_KEY


def proof(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def test_tests_get_a_strict_simulator_by_default() -> None:
    assert Simulator().strict is True


async def thread_ids(loop: Loop) -> list[str]:
    page = loop.sim.world.page_id
    r = await loop.fb.get(
        f"/v25.0/{page}/conversations",
        params={"platform": "messenger", "limit": 50},
        headers=loop.bearer(loop.page_token),
    )
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["data"]]


async def test_standard_access_hides_strangers_threads_from_reads(loop: Loop) -> None:
    inbox = loop.sim.world.inboxes[PAGE_KEY]
    everyone = await thread_ids(loop)
    assert len(everyone) == len(inbox.conversations)
    await loop.fb.post("/_sim/config", json={"standard_access": True})
    visible = await thread_ids(loop)
    with_role = [c.id for c in inbox.conversations if c.customer.has_role]
    assert visible == with_role and 0 < len(visible) < len(everyone)
    stranger = next(c for c in inbox.conversations if not c.customer.has_role)
    for path in (f"/v25.0/{stranger.id}", f"/v25.0/{stranger.id}/messages"):
        r = await loop.fb.get(path, headers=loop.bearer(loop.page_token))
        assert r.status_code == 400 and r.json()["error"]["code"] in (100, 2500)
    one = stranger.messages[-1].id
    r = await loop.fb.get(f"/v25.0/{one}", headers=loop.bearer(loop.page_token))
    assert r.status_code == 400
    # A lenient simulator hides nothing (what the old one did).
    await loop.fb.post("/_sim/config", json={"strict": False})
    assert len(await thread_ids(loop)) == len(everyone)


async def test_human_agent_needs_the_feature(loop: Loop) -> None:
    inbox = loop.sim.world.inboxes[PAGE_KEY]
    now = loop.sim.clock.now()
    conv = next(
        c
        for c in inbox.conversations
        if c.last_inbound_at is not None
        and 86400 < (now - c.last_inbound_at).total_seconds() < 6 * 86400
        and not c.customer.blocked
    )
    body = {
        "recipient": {"id": conv.customer.id},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the wait"},
    }
    page = loop.sim.world.page_id
    await loop.fb.post("/_sim/config", json={"human_agent_feature": False})
    refused = await loop.fb.post(
        f"/v25.0/{page}/messages", json=body, headers=loop.bearer(loop.page_token)
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 10
    assert loop.sim.sent == []
    await loop.fb.post("/_sim/config", json={"human_agent_feature": True})
    sent = await loop.fb.post(
        f"/v25.0/{page}/messages", json=body, headers=loop.bearer(loop.page_token)
    )
    assert sent.status_code == 200, sent.text
    assert loop.sim.sent[-1]["tag"] == "HUMAN_AGENT"


async def test_require_app_secret_refuses_calls_without_a_proof(loop: Loop) -> None:
    world = loop.sim.world
    await loop.fb.post("/_sim/config", json={"require_app_secret": True})
    bare = await loop.fb.get("/v25.0/me", headers=loop.bearer(loop.page_token))
    assert bare.status_code == 400
    error = bare.json()["error"]
    assert error["code"] == 100
    assert error["message"] == "API calls from the server require an appsecret_proof argument"
    good = await loop.fb.get(
        "/v25.0/me",
        params={"appsecret_proof": proof(loop.page_token, world.app_secret)},
        headers=loop.bearer(loop.page_token),
    )
    assert good.status_code == 200
    # Instagram Login's calls are proven with the Instagram app's secret, not Facebook's.
    wrong = await loop.ig.get(
        "/v25.0/me",
        params={"appsecret_proof": proof(loop.ig_token, world.app_secret)},
        headers=loop.bearer(loop.ig_token),
    )
    assert (
        wrong.json()["error"]["message"] == "Invalid appsecret_proof provided in the API argument"
    )
    right = await loop.ig.get(
        "/v25.0/me",
        params={"appsecret_proof": proof(loop.ig_token, world.ig_app_secret)},
        headers=loop.bearer(loop.ig_token),
    )
    assert right.status_code == 200
    assert world.app_secret not in str(loop.sim.requests)


async def test_a_wrong_proof_is_refused_even_when_not_required(loop: Loop) -> None:
    r = await loop.fb.get(
        "/v25.0/me",
        params={"appsecret_proof": "0" * 64},
        headers=loop.bearer(loop.page_token),
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == 100


async def test_each_app_secret_opens_only_its_own_exchange(loop: Loop) -> None:
    world = loop.sim.world
    fb = {
        "grant_type": "fb_exchange_token",
        "client_id": world.app_id,
        "fb_exchange_token": world.tokens["user_short"],
    }
    crossed = await loop.fb.get(
        "/v25.0/oauth/access_token", params={**fb, "client_secret": world.ig_app_secret}
    )
    assert crossed.status_code == 400
    own = await loop.fb.get(
        "/v25.0/oauth/access_token", params={**fb, "client_secret": world.app_secret}
    )
    assert own.status_code == 200
