"""The receiver runs inside the service: from config, and in the demo on the simulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tui.services.demo import open_demo_runtime
from tui.services.runtime import Runtime, open_runtime
from tui.simulator import SimClock, Simulator
from tui.simulator.world import PAGE_KEY
from tui.webhooks import signature


async def test_the_demo_receives_customer_messages_by_webhook() -> None:
    runtime, sim = await open_demo_runtime(traffic_interval=3600)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(extra(stop)) for extra in runtime.extra_tasks]
    try:
        async with asyncio.timeout(30):
            while not sim.webhooks.subscribed:
                await asyncio.sleep(0.05)
        assert runtime.webhook_health.receiving
        sent = sim.inbound(PAGE_KEY, None, "hello from a webhook")
        # No poll runs here: only the webhook path can bring it.
        async with asyncio.timeout(30):
            while await runtime.store.message_time(PAGE_KEY, sent["id"]) is None:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await runtime.close()


@contextlib.asynccontextmanager
async def listening(runtime: Runtime) -> AsyncIterator[str]:
    """The runtime's extra tasks running until the block ends; yields the receiver's URL."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(extra(stop)) for extra in runtime.extra_tasks]
    try:
        async with asyncio.timeout(30):
            while runtime.webhook_health.address is None:
                await asyncio.sleep(0.05)
        host, port = runtime.webhook_health.address
        yield f"http://{host}:{port}/hook"
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await runtime.close()


def hook_config(sim: Simulator, folder: Path, secret_line: str) -> Path:
    config = sim.write_config(folder, "http://sim.test")
    config.write_text(
        config.read_text()
        + '\n[webhooks]\nenabled = true\nport = 0\npath = "/hook"\n'
        + f'verify_token_env = "V_TOKEN"\n{secret_line}'
    )
    return config


async def test_webhooks_from_config_answer_the_challenge(tmp_path: Path) -> None:
    sim = Simulator(3, clock=SimClock.fixed())
    config = hook_config(sim, tmp_path / "cfg", 'app_secret_env = "A_SECRET"\n')
    runtime = await open_runtime(
        config,
        tmp_path / "data",
        transport=sim.transport(),
        environ={"V_TOKEN": "let-me-in", "A_SECRET": "s3cret"},
    )
    assert not [p for p in runtime.problems if "Webhooks" in p]
    async with listening(runtime) as url, httpx.AsyncClient() as client:
        challenge = {
            "hub.mode": "subscribe",
            "hub.verify_token": "let-me-in",
            "hub.challenge": "42",
        }
        answer = await client.get(url, params=challenge)
        assert (answer.status_code, answer.text) == (200, "42")


async def test_deliveries_are_checked_with_the_app_secrets_linking_saved(tmp_path: Path) -> None:
    """No second copy of the app secret: [app_secrets] (written when linking) signs them."""
    sim = Simulator(3, clock=SimClock.fixed())
    config = hook_config(sim, tmp_path / "cfg", "")
    assert "[app_secrets]" in (config.parent / "secrets.toml").read_text()
    runtime = await open_runtime(
        config, tmp_path / "data", transport=sim.transport(), environ={"V_TOKEN": "v"}
    )
    assert not [p for p in runtime.problems if "Webhooks" in p]
    body = b'{"object": "page", "entry": []}'
    signed_by = {
        "facebook app": sim.world.app_secret,
        "instagram app": sim.world.ig_app_secret,
        "someone else": "not-our-secret",
    }
    async with listening(runtime) as url, httpx.AsyncClient() as client:
        statuses = {}
        for who, secret in signed_by.items():
            headers = {signature.HEADER: signature.sign(body, secret)}
            statuses[who] = (await client.post(url, content=body, headers=headers)).status_code
    assert statuses == {"facebook app": 200, "instagram app": 200, "someone else": 403}


async def test_missing_webhook_secrets_are_a_problem_not_a_crash(tmp_path: Path) -> None:
    sim = Simulator(3, clock=SimClock.fixed())
    config = sim.write_config(tmp_path / "cfg", "http://sim.test")
    config.write_text(config.read_text() + "\n[webhooks]\nenabled = true\n")
    runtime = await open_runtime(config, tmp_path / "data", transport=sim.transport(), environ={})
    try:
        assert any(p.startswith("Webhooks off:") for p in runtime.problems)
    finally:
        await runtime.close()


async def test_every_meta_account_gets_a_budget_planner_even_linked_later(
    tmp_path: Path,
) -> None:
    sim = Simulator(3, clock=SimClock.fixed())
    config = sim.write_config(tmp_path / "cfg", "http://sim.test")
    config.write_text(config.read_text() + "\n[webhooks]\nengaged_users = 12\n")
    runtime = await open_runtime(config, tmp_path / "data", transport=sim.transport())
    try:
        planners = [s.planner for s in runtime.engine.accounts.values()]
        assert planners and all(p is not None and p.allowance == 1200 for p in planners)
        adapter = runtime.adapters[PAGE_KEY]
        await runtime.engine.remove_account(PAGE_KEY)
        again = runtime.engine.add_account(adapter)
        assert again.planner is not None and again.planner.allowance == 1200
    finally:
        await runtime.close()
