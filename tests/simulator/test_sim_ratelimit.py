"""Rate buckets per account, usage headers, throttling codes and high-volume mode."""

from __future__ import annotations

import json

import httpx

from tests.simulator.conftest import Loop
from tui.simulator.world import IG_LOGIN_KEY, PAGE_KEY


async def listing(loop: Loop, platform: str = "messenger") -> httpx.Response:
    return await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"platform": platform},
        headers=loop.bearer(loop.page_token),
    )


async def test_full_sync_never_trips_default_limits(loop: Loop) -> None:
    world = loop.sim.world
    for platform in ("messenger", "instagram"):
        body = (await listing(loop, platform)).json()
        for conv in body["data"]:
            r = await loop.fb.get(
                f"/v25.0/{conv['id']}",
                params={"fields": "messages.limit(20){id,created_time,from,to,message}"},
                headers=loop.bearer(loop.page_token),
            )
            assert r.status_code == 200
    for conv in world.inboxes[IG_LOGIN_KEY].conversations:
        r = await loop.ig.get(
            f"/v25.0/{conv.id}", params={"fields": "messages"}, headers=loop.bearer(loop.ig_token)
        )
        assert r.status_code == 200


async def test_usage_headers_appear_after_a_few_calls(loop: Loop) -> None:
    first = await listing(loop)
    assert "x-business-use-case-usage" not in first.headers
    await listing(loop)
    third = await listing(loop)
    usage = json.loads(third.headers["x-business-use-case-usage"])
    entry = usage[loop.sim.world.page_id][0]
    assert entry["type"] == "messenger"
    assert {"call_count", "total_cputime", "total_time", "estimated_time_to_regain_access"} <= set(
        entry
    )
    app = json.loads(third.headers["x-app-usage"])
    assert set(app) == {"call_count", "total_time", "total_cputime"}


async def test_conversations_throttled_per_second(loop: Loop) -> None:
    cfg = {"rate": {"conversations_per_second": 2, "conversations_burst": 2}}
    assert (await loop.fb.post("/_sim/config", json=cfg)).status_code == 200
    assert (await listing(loop)).status_code == 200
    assert (await listing(loop)).status_code == 200
    r = await listing(loop)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 80006
    usage = json.loads(r.headers["x-business-use-case-usage"])
    assert usage[loop.sim.world.page_id][0]["estimated_time_to_regain_access"] >= 1
    # The Instagram account has its own bucket.
    assert (await listing(loop, "instagram")).status_code == 200
    loop.sim.clock.advance(1)
    assert (await listing(loop)).status_code == 200


async def test_instagram_hourly_budget_is_80002(loop: Loop) -> None:
    await loop.fb.post("/_sim/config", json={"rate": {"hourly_budget": 3}})
    statuses = []
    for _ in range(4):
        r = await loop.ig.get("/v25.0/me/conversations", headers=loop.bearer(loop.ig_token))
        statuses.append(r.status_code)
    assert statuses == [200, 200, 200, 400]
    assert r.json()["error"]["code"] == 80002
    usage = json.loads(r.headers["x-business-use-case-usage"])
    entry = usage[loop.sim.world.ig_login_id][0]
    assert entry["type"] == "instagram"
    assert entry["call_count"] >= 100
    assert entry["estimated_time_to_regain_access"] == 60
    loop.sim.clock.advance(3601)
    ok = await loop.ig.get("/v25.0/me/conversations", headers=loop.bearer(loop.ig_token))
    assert ok.status_code == 200


async def test_send_throttle_is_613(loop: Loop) -> None:
    await loop.fb.post("/_sim/config", json={"rate": {"send_per_second": 1, "send_burst": 1}})
    made = loop.sim.inbound(IG_LOGIN_KEY, None, "hi")
    body = {"recipient": {"id": made["customer_id"]}, "message": {"text": "hello"}}
    headers = loop.bearer(loop.ig_token)
    assert (await loop.ig.post("/v25.0/me/messages", json=body, headers=headers)).status_code == 200
    r = await loop.ig.post("/v25.0/me/messages", json=body, headers=headers)
    assert (r.json()["error"]["code"], r.json()["error"]["error_subcode"]) == (613, 2534040)


async def test_app_limit_is_code_4(loop: Loop) -> None:
    await loop.fb.post("/_sim/config", json={"rate": {"app_hourly_budget": 2}})
    await listing(loop)
    await listing(loop)
    r = await listing(loop)
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == 4 and error["is_transient"] is True


async def test_high_volume_mode(loop: Loop) -> None:
    await loop.fb.post("/_sim/config", json={"high_volume": True})
    r = await listing(loop)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 613
    conv = loop.sim.world.inboxes[PAGE_KEY].conversations[0]
    single = await loop.fb.get(f"/v25.0/{conv.id}", headers=loop.bearer(loop.page_token))
    assert single.status_code == 200


async def test_bad_config_is_refused(loop: Loop) -> None:
    r = await loop.fb.post("/_sim/config", json={"rate": {"warp_speed": 9}})
    assert r.status_code == 400
