"""Faults (status, delay, drip, truncate, drop, raw body) through both servers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tui.simulator import Simulator
from tui.simulator.testing import loopback_simulator

MODES = ["loopback", "in_process"]


@asynccontextmanager
async def client_for(
    mode: str, timeout: float = 5.0
) -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    if mode == "loopback":
        async with (
            loopback_simulator() as (sim, base_url),
            httpx.AsyncClient(base_url=base_url, timeout=timeout) as client,
        ):
            yield sim, client
    else:
        sim = Simulator()
        async with httpx.AsyncClient(
            transport=sim.transport(), base_url="https://graph.facebook.com", timeout=timeout
        ) as client:
            yield sim, client


async def arm(client: httpx.AsyncClient, **spec: Any) -> None:
    r = await client.post("/_sim/faults", json=spec)
    assert r.status_code == 200, r.text


async def me(sim: Simulator, client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(
        "/v25.0/me", headers={"Authorization": f"Bearer {sim.world.tokens['page']}"}
    )


@pytest.mark.parametrize("mode", MODES)
async def test_status_fault_for_count_requests(mode: str) -> None:
    async with client_for(mode) as (sim, client):
        await arm(client, path="/me", count=2, status=503)
        first, second, third = [await me(sim, client) for _ in range(3)]
        assert first.status_code == second.status_code == 503
        assert first.json()["error"]["code"] == 2
        assert first.json()["error"]["is_transient"] is True
        assert third.status_code == 200


@pytest.mark.parametrize("mode", MODES)
async def test_error_fault_with_code_and_regex(mode: str) -> None:
    async with client_for(mode) as (sim, client):
        error = {"code": 190, "subcode": 460, "message": "Session changé", "type": "OAuthException"}
        await arm(client, path=r"re:^/v\d+\.0/me$", status=400, error=error)
        r = await me(sim, client)
        assert r.status_code == 400
        body = r.json()["error"]
        assert (body["code"], body["error_subcode"], body["message"]) == (
            190,
            460,
            "Session changé",
        )
        assert body["fbtrace_id"]


@pytest.mark.parametrize("mode", MODES)
async def test_delay_fault_and_timeout(mode: str) -> None:
    async with client_for(mode, timeout=0.2) as (sim, client):
        await arm(client, path="/me", delay=0.1)
        started = time.monotonic()
        assert (await me(sim, client)).status_code == 200
        assert time.monotonic() - started >= 0.1
        await arm(client, path="/me", delay=1.0)
        with pytest.raises(httpx.ReadTimeout):
            await me(sim, client)


@pytest.mark.parametrize("mode", MODES)
async def test_drip_fault(mode: str) -> None:
    async with client_for(mode) as (sim, client):
        await arm(client, path="/me", drip_bytes_per_second=400)
        started = time.monotonic()
        r = await me(sim, client)
        elapsed = time.monotonic() - started
        assert r.status_code == 200
        assert r.json()["id"] == sim.world.page_id
        assert elapsed >= len(r.content) / 400 * 0.8


@pytest.mark.parametrize("mode", MODES)
async def test_truncate_fault(mode: str) -> None:
    async with client_for(mode) as (sim, client):
        await arm(client, path="/me", truncate_after=10)
        with pytest.raises(httpx.RemoteProtocolError):
            await me(sim, client)
        assert (await me(sim, client)).status_code == 200


@pytest.mark.parametrize("mode", MODES)
async def test_drop_fault(mode: str) -> None:
    async with client_for(mode) as (sim, client):
        await arm(client, path="/v25.0/me", drop=True)
        with pytest.raises(httpx.RemoteProtocolError):
            await me(sim, client)
        assert (await me(sim, client)).status_code == 200


@pytest.mark.parametrize("mode", MODES)
async def test_malformed_body_fault(mode: str) -> None:
    async with client_for(mode) as (sim, client):
        await arm(client, path="/me", status=200, body='{"data": [')
        r = await me(sim, client)
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()


async def test_faults_do_not_touch_other_paths() -> None:
    async with client_for("in_process") as (sim, client):
        await arm(client, path="/debug_token", status=500)
        assert (await me(sim, client)).status_code == 200
        bad = await client.post("/_sim/faults", json={"count": 1})
        assert bad.status_code == 400
