"""The seeded world, determinism, inbound messages, traffic, config writing, the CLI."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx

from tests.simulator.conftest import Loop
from tui.simulator import Simulator
from tui.simulator.world import IG_LOGIN_KEY, IG_PAGE_KEY, PAGE_KEY, World


def fingerprint(world: World) -> list[tuple[str, str, str, list[str]]]:
    return [
        (c.id, c.customer.id, c.customer.name, [m.id + m.text for m in c.messages])
        for c in world.conversations.values()
    ]


def test_same_seed_same_world() -> None:
    a, b = Simulator(seed=11), Simulator(seed=11)
    assert fingerprint(a.world) == fingerprint(b.world)
    assert a.world.tokens == b.world.tokens
    assert fingerprint(Simulator(seed=12).world) != fingerprint(a.world)


async def test_same_seed_same_trace_ids() -> None:
    traces = []
    for _ in range(2):
        sim = Simulator(seed=3)
        async with httpx.AsyncClient(transport=sim.transport(), base_url="http://x") as c:
            r = await c.get("/v25.0/me", params={"access_token": sim.world.tokens["page"]})
            bad = await c.get("/v25.0/nope/x/y")
        traces.append((r.headers["x-fb-trace-id"], bad.json()["error"]["fbtrace_id"]))
    assert traces[0] == traces[1]


def test_world_shapes() -> None:
    world = Simulator().world
    assert len(world.page_id) == 15 and world.page_id.isdigit()
    assert world.ig_page_id.startswith("1784") and len(world.ig_page_id) == 17
    page = world.inboxes[PAGE_KEY]
    assert all(c.id.startswith("t_") for c in page.conversations)
    assert all(16 <= len(cid) <= 17 for cid in page.customers)
    messages = [m for c in world.conversations.values() for m in c.messages]
    assert any(m.attachments for m in messages)
    assert any(m.story for m in messages)
    assert any(m.reactions for m in messages)
    assert any(not m.text.isascii() for m in messages)
    ig = world.inboxes[IG_PAGE_KEY]
    assert any(c.quiet for c in ig.conversations) and any(not c.quiet for c in ig.conversations)


async def test_inbound_through_control_api(loop: Loop) -> None:
    r = await loop.fb.post(
        "/_sim/inbound",
        json={"account": "demo-page", "name": "Zoë Ωmega", "text": "Bonjour 👋"},
    )
    assert r.status_code == 200
    made = r.json()
    assert made["id"].startswith("m_")
    listing = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"fields": "id,snippet,unread_count,participants", "limit": "1"},
        headers=loop.bearer(loop.page_token),
    )
    top = listing.json()["data"][0]
    assert top["id"] == made["conversation_id"]
    assert top["snippet"] == "Bonjour 👋"
    assert top["unread_count"] == 1
    assert top["participants"]["data"][0]["name"] == "Zoë Ωmega"
    again = await loop.fb.post(
        "/_sim/inbound",
        json={
            "account": "demo-page",
            "customer": made["customer_id"],
            "text": "encore",
            "attachment": {"type": "image"},
        },
    )
    assert again.json()["conversation_id"] == made["conversation_id"]
    bad = await loop.fb.post("/_sim/inbound", json={"account": "nope", "text": "x"})
    assert bad.status_code == 400


async def test_request_log_is_redacted(loop: Loop) -> None:
    await loop.fb.get("/v25.0/me", params={"access_token": loop.page_token})
    await loop.ig.get("/v25.0/me", headers=loop.bearer(loop.ig_token))
    log = (await loop.fb.get("/_sim/requests")).json()["data"]
    assert [entry["host"] for entry in log] == ["graph.facebook.com", "graph.instagram.com"]
    assert log[0]["query"] == [["access_token", "REDACTED"]]
    assert log[1]["bearer"] is True
    text = str(log)
    assert loop.page_token not in text and loop.ig_token not in text
    await loop.fb.delete("/_sim/requests")
    assert (await loop.fb.get("/_sim/requests")).json()["data"] == []


async def test_traffic_writes_into_active_threads_only() -> None:
    sim = Simulator(seed=5)
    quiet = {c.id: len(c.messages) for c in sim.world.conversations.values() if c.quiet}
    before = sum(len(c.messages) for c in sim.world.conversations.values())
    stop = asyncio.Event()
    task = asyncio.create_task(sim.traffic(mean_interval=0.002, stop=stop))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, 2)
    after = sum(len(c.messages) for c in sim.world.conversations.values())
    reactions = sum(len(m.reactions) for c in sim.world.conversations.values() for m in c.messages)
    assert after > before or reactions > 3
    for conv_id, count in quiet.items():
        assert len(sim.world.conversations[conv_id].messages) == count


def test_seeded_accounts_and_write_config(tmp_path: Path) -> None:
    sim = Simulator()
    accounts = sim.seeded_accounts("http://127.0.0.1:8765")
    assert [a["id"] for a in accounts] == [PAGE_KEY, IG_PAGE_KEY, IG_LOGIN_KEY]
    assert accounts[2]["graph_url"] == "http://127.0.0.1:8765/instagram"
    config = sim.write_config(tmp_path / "cfg", "http://127.0.0.1:8765")
    text = config.read_text()
    assert "EAA" not in text and "IGAA" not in text
    parsed = tomllib.loads(text)
    assert parsed["accounts"][0]["page_id"] == sim.world.page_id
    assert parsed["accounts"][2]["api"] == "instagram_login"
    secrets = config.with_name("secrets.toml")
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    assert (
        tomllib.loads(secrets.read_text())["secrets"]["demo-iglogin"]
        == sim.world.tokens["ig_login"]
    )


def test_linkdeck_simulate_subprocess(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "simulate",
            "--port",
            "0",
            "--seed",
            "9",
            "--write-config",
            str(tmp_path),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:")
        base_url = first.removeprefix("listening on ")
        lines = [proc.stdout.readline().strip() for _ in range(3)]
        # The hint is safe to follow as printed: it names a data folder of its own, never
        # the user's real store.
        data = tmp_path / "data"
        assert lines[-1] == (
            f"try: linkdeck sync --once --config {tmp_path / 'config.toml'} --data-dir {data}"
            f" && linkdeck export --data-dir {data}"
        )
        config = tomllib.loads((tmp_path / "config.toml").read_text())
        token = tomllib.loads((tmp_path / "secrets.toml").read_text())["secrets"]["demo-page"]
        page_id = config["accounts"][0]["page_id"]
        r = httpx.get(
            f"{base_url}/v25.0/{page_id}/conversations",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200
        assert len(r.json()["data"]) == 12
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "simulator stopped" in out
