"""Account trouble (dead tokens, long failures) is logged at WARNING and pushed once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import PushReceiver
from tui.domain.models import AccountState, AccountStatus
from tui.domain.rules import NotificationSettings, PrivacySettings
from tui.services.alerting import AlertService
from tui.services.events import AccountStateChanged, EventBus
from tui.services.notifier import Notifier
from tui.simulator.testing import loopback_simulator
from tui.store import Store

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_an_account_failing_longer_than_the_limit_is_pushed_once(
    tmp_path: Path, push_receiver: PushReceiver
) -> None:
    store = await Store.open(tmp_path / "linkdeck.db")
    bus = EventBus()
    now = [T0]
    settings = NotificationSettings(push=(push_receiver.url(),), account_failing_minutes=10)
    notifier = Notifier(lambda: settings, lambda _a: PrivacySettings())
    service = AlertService(store, bus, notifier, lambda: settings, clock=lambda: now[0])

    async def state(state: AccountState, after_minutes: float, detail: str = "HTTP 502") -> None:
        now[0] += timedelta(minutes=after_minutes)
        status = AccountStatus("bakery", "messenger", state, detail, now[0] + timedelta(minutes=1))
        bus.publish(AccountStateChanged(status))
        await service.drain()

    try:
        await state(AccountState.ERROR, 0)
        await state(AccountState.ERROR, 4)
        await state(AccountState.ERROR, 5)
        assert service.notices == [] and push_receiver.received == []
        await state(AccountState.ERROR, 2, "HTTP 503 from graph")  # 11 min of failure
        await state(AccountState.ERROR, 3)  # every retry publishes a state: still once
        await state(AccountState.ERROR, 30)
        [push] = push_receiver.wait_for(1)
        assert "bakery has failed to sync for 11 min" in push["title"]
        assert "HTTP 503 from graph" in push["message"] and "linkdeck doctor" in push["message"]
        assert len(service.notices) == 1
        # Recovered, then failing again for long: a new announcement.
        await state(AccountState.CONNECTED, 1)
        await state(AccountState.ERROR, 1)
        await state(AccountState.ERROR, 10)
        assert len(push_receiver.wait_for(2)) == 2
        assert [n.kind for n in service.notices] == ["failing", "failing"]
    finally:
        await store.close()


async def test_the_failing_limit_is_read_from_the_config_with_a_range(tmp_path: Path) -> None:
    from tui.config.prefs import load_prefs

    config = tmp_path / "config.toml"
    config.write_text("[notifications]\naccount_failing_minutes = 5\n", encoding="utf-8")
    prefs, problems = load_prefs(config)
    assert problems == [] and prefs.notifications.account_failing_minutes == 5
    config.write_text("[notifications]\naccount_failing_minutes = 0\n", encoding="utf-8")
    prefs, problems = load_prefs(config)
    assert prefs.notifications.account_failing_minutes == 30
    [problem] = problems
    assert "notifications.account_failing_minutes" in str(problem) and "1 to 10080" in str(problem)


async def test_headless_sync_with_every_token_dead_logs_and_pushes_once(
    tmp_path: Path, push_receiver: PushReceiver
) -> None:
    """The silent-service case of issue 10: it now says so at the default log level."""
    async with loopback_simulator(seed=5) as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        with config.open("a", encoding="utf-8") as handle:
            handle.write(
                f'\n[ui]\npoll_seconds = 1\n\n[notifications]\npush = ["{push_receiver.url()}"]\n'
            )
        tokens = set(sim.world.tokens.values())
        async with httpx.AsyncClient(base_url=base_url) as control:
            for token in tokens:
                response = await control.post(f"/_sim/tokens/{token}", json={"revoke": 460})
                assert response.status_code == 200
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui",
            "sync",
            "--config",
            str(config),
            "--data-dir",
            str(tmp_path / "data"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            pushes = await asyncio.to_thread(push_receiver.wait_for, 3, 90.0)
            assert len(pushes) == 3, f"pushes: {pushes}"
            # More polls and the token care pass go by: nothing is pushed again.
            await asyncio.sleep(3)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.stderr is not None
            stderr = (await proc.stderr.read()).decode()
            await proc.wait()
    assert len(push_receiver.received) == 3
    titles = sorted(p["title"] for p in pushes)
    assert titles == [
        f"Linkdeck: {a} needs re-authentication" for a in ("demo-ig", "demo-iglogin", "demo-page")
    ]
    iglogin = next(p for p in pushes if "demo-iglogin" in p["title"])
    assert "linkdeck link instagram-login" in iglogin["message"]
    warnings = [line for line in stderr.splitlines() if " WARNING " in line]
    assert sum("sign in again" in line for line in warnings) == 3, stderr
    assert not any(token in stderr for token in tokens)
