"""Tokens: expiry, revocation, missing tokens, exchanges and refresh rules."""

from __future__ import annotations

import pytest

from tests.simulator.conftest import Loop


async def conversations(loop: Loop) -> tuple[int, dict[str, object], str | None]:
    r = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations", headers=loop.bearer(loop.page_token)
    )
    return r.status_code, r.json(), r.headers.get("www-authenticate")


async def test_expired_token_via_control_api(loop: Loop) -> None:
    r = await loop.fb.post(f"/_sim/tokens/{loop.page_token}", json={"expire": True})
    assert r.status_code == 200
    assert r.json()["data"]["is_valid"] is False
    status, body, header = await conversations(loop)
    error = body["error"]
    assert isinstance(error, dict)
    assert status == 400
    assert (error["code"], error["error_subcode"]) == (190, 463)
    assert error["message"].startswith("Error validating access token: Session has expired on ")
    assert "The current time is" in error["message"]
    assert header is not None and "invalid_token" in header


@pytest.mark.parametrize("subcode", [458, 460, 467])
async def test_revoked_token(loop: Loop, subcode: int) -> None:
    await loop.fb.post(f"/_sim/tokens/{loop.page_token}", json={"revoke": str(subcode)})
    status, body, header = await conversations(loop)
    error = body["error"]
    assert isinstance(error, dict)
    assert (status, error["code"], error["error_subcode"]) == (400, 190, subcode)
    assert header is not None


async def test_expires_in_then_clock(loop: Loop) -> None:
    await loop.fb.post(f"/_sim/tokens/{loop.page_token}", json={"expires_in": 60})
    assert (await conversations(loop))[0] == 200
    r = await loop.fb.post("/_sim/clock", json={"advance": 61})
    assert r.json()["now"].endswith("+0000")
    assert (await conversations(loop))[0] == 400


async def test_missing_and_garbage_tokens(loop: Loop) -> None:
    r = await loop.fb.get(f"/v25.0/{loop.sim.world.page_id}/conversations")
    assert r.json()["error"]["code"] == 2500
    assert "active access token" in r.json()["error"]["message"]
    r = await loop.fb.get("/v25.0/me", headers=loop.bearer("EAAnotatoken"))
    assert r.json()["error"]["code"] == 190
    assert "error_subcode" not in r.json()["error"]


async def test_user_token_cannot_list_conversations(loop: Loop) -> None:
    r = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"access_token": loop.sim.world.tokens["user"]},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 190


async def test_debug_token_of_expired_token(loop: Loop) -> None:
    await loop.fb.post(f"/_sim/tokens/{loop.ig_token}", json={"expire": True})
    r = await loop.fb.get(
        "/v25.0/debug_token",
        params={"input_token": loop.ig_token, "access_token": loop.sim.world.tokens["app"]},
    )
    data = r.json()["data"]
    assert data["is_valid"] is False
    assert data["error"]["subcode"] == 463
    unknown = await loop.fb.get(
        "/v25.0/debug_token",
        params={"input_token": "nope", "access_token": loop.sim.world.tokens["app"]},
    )
    assert unknown.json()["data"]["is_valid"] is False


async def test_page_token_via_page_node(loop: Loop) -> None:
    world = loop.sim.world
    r = await loop.fb.get(
        f"/v25.0/{world.page_id}",
        params={"fields": "access_token", "access_token": world.tokens["user"]},
    )
    assert r.json() == {"access_token": world.tokens["page"], "id": world.page_id}
    linked = await loop.fb.get(
        f"/v25.0/{world.page_id}",
        params={"fields": "instagram_business_account{id,username}"},
        headers=loop.bearer(world.tokens["page"]),
    )
    assert linked.json()["instagram_business_account"]["id"] == world.ig_page_id


async def test_fb_long_lived_exchange(loop: Loop) -> None:
    world = loop.sim.world
    params = {
        "grant_type": "fb_exchange_token",
        "client_id": world.app_id,
        "client_secret": world.app_secret,
        "fb_exchange_token": world.tokens["user_short"],
    }
    r = await loop.fb.get("/v25.0/oauth/access_token", params=params)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 5183944
    me = await loop.fb.get("/v25.0/me", headers=loop.bearer(body["access_token"]))
    assert me.json()["id"] == world.user_id
    bad = await loop.fb.get("/v25.0/oauth/access_token", params={**params, "client_secret": "x"})
    assert bad.status_code == 400
    assert world.app_secret not in str(loop.sim.requests)


async def test_instagram_exchange_and_refresh_rules(loop: Loop) -> None:
    world = loop.sim.world
    exchange = {"grant_type": "ig_exchange_token", "access_token": world.tokens["ig_short"]}
    # Instagram Login is its own app: the Facebook app's secret does not open it.
    wrong = await loop.ig.get(
        "/access_token", params={**exchange, "client_secret": world.app_secret}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["message"] == "Error validating client secret."
    assert world.ig_app_secret != world.app_secret and world.ig_app_id != world.app_id
    r = await loop.ig.get(
        "/access_token", params={**exchange, "client_secret": world.ig_app_secret}
    )
    assert r.status_code == 200
    long_lived = r.json()["access_token"]
    refresh = {"grant_type": "ig_refresh_token", "access_token": long_lived}
    young = await loop.ig.get("/refresh_access_token", params=refresh)
    assert young.status_code == 400  # under 24 hours old
    assert young.json()["error"]["code"] == 100
    loop.sim.clock.advance(25 * 3600)
    post = await loop.ig.post("/refresh_access_token", params=refresh)
    assert post.status_code == 400
    assert "method type" in post.json()["error"]["message"]
    assert (await loop.ig.get("/refresh_access_token", params=refresh)).status_code == 200
    loop.sim.clock.advance(61 * 86400)
    expired = await loop.ig.get("/refresh_access_token", params=refresh)
    assert expired.json()["error"]["code"] == 190
