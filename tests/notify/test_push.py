"""Push sinks through apprise, delivered to a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import PushReceiver
from tui.config import install_log_redaction
from tui.config.prefs import load_prefs
from tui.config.redact import uninstall_log_redaction
from tui.domain.rules import Sink
from tui.services.push import PushSender
from tui.services.runtime import Runtime
from tui.simulator import Simulator

from .conftest import build_ui_runtime


async def live_message(sim: Simulator, runtime: Runtime, text: str) -> str:
    """A known customer of demo-page writes; one poll; the service handles the batch."""
    conv = sim.world.inboxes["demo-page"].conversations[0]
    sim.inbound("demo-page", conv.customer.id, text)
    await runtime.engine.accounts["demo-page"].poll_once()
    assert runtime.alerting is not None
    await runtime.alerting.drain()
    return conv.customer.name


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[Simulator, Runtime]]:
    sim, runtime = await build_ui_runtime(tmp_path, rules=False)
    assert runtime.alerting is not None
    await runtime.alerting.drain()  # the first sync's catch-up: judged, never pushed
    yield sim, runtime
    await runtime.close()


def configure(runtime: Runtime, text: str) -> None:
    with runtime.prefs_file.path.open("a", encoding="utf-8") as handle:
        handle.write(text)
    runtime.reload_prefs()
    assert runtime.problems == []


async def test_a_live_message_is_pushed_with_its_text(
    service: tuple[Simulator, Runtime], push_receiver: PushReceiver
) -> None:
    sim, runtime = service
    configure(runtime, f'\n[notifications]\nflood_seconds = 0\npush = ["{push_receiver.url()}"]\n')
    assert push_receiver.received == [], "catch-up never pushes"
    name = await live_message(sim, runtime, "Is the sourdough ready?")
    [push] = push_receiver.wait_for(1)
    assert push["message"] == "Is the sourdough ready?"
    assert name in push["title"] and "demo-page" in push["title"]


async def test_without_text_in_notifications_the_push_names_only_the_sender(
    service: tuple[Simulator, Runtime], push_receiver: PushReceiver
) -> None:
    sim, runtime = service
    configure(
        runtime,
        f'\n[notifications]\nflood_seconds = 0\npush = ["{push_receiver.url()}"]\n'
        "\n[privacy.demo-page]\nnotification_text = false\n",
    )
    name = await live_message(sim, runtime, "my card number is 4242")
    [push] = push_receiver.wait_for(1)
    assert push["message"] == f"New message from {name}"
    assert "4242" not in str(push)
    assert "demo-page" in push["title"]


async def test_a_rule_pushes_to_its_own_target_and_dnd_holds_every_push(
    service: tuple[Simulator, Runtime], push_receiver: PushReceiver
) -> None:
    sim, runtime = service
    configure(
        runtime,
        f'\n[notifications]\nflood_seconds = 0\npush = ["{push_receiver.url("default")}"]\n'
        '\n[[notifications.rules]]\nname = "Orders"\nkeywords = ["order"]\n'
        f'push = ["{push_receiver.url("orders")}"]\n',
    )
    rule = runtime.prefs.notifications.rules[0]
    assert Sink.PUSH in rule.sinks, "push URLs on a rule imply the push sink"
    await live_message(sim, runtime, "new order please")
    await live_message(sim, runtime, "just saying hello")
    push_receiver.wait_for(2)
    assert push_receiver.paths == ["/orders", "/default"]
    runtime.prefs_file.set_notification("dnd", True)
    runtime.reload_prefs()
    await live_message(sim, runtime, "another order during dnd")
    await asyncio.sleep(0.2)
    assert len(push_receiver.received) == 2


async def test_a_failed_push_is_logged_without_the_url_secrets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_redaction()
    try:
        # Port 9 (discard) refuses on loopback: the push fails and is logged.
        url = "json://alice:S3cretPushToken99@127.0.0.1:9/hookpath-Zk81Lq"
        config = tmp_path / "config.toml"
        config.write_text(f'[notifications]\npush = ["{url}"]\n', encoding="utf-8")
        prefs, problems = load_prefs(config)  # registers the URL's secret parts
        assert problems == [] and prefs.notifications.push == (url,)
        sender = PushSender()
        with caplog.at_level(logging.DEBUG):
            sender.push(prefs.notifications.push, "title", "body")
            await sender.wait()
        assert [r.ok for r in sender.results] == [False]
        assert "push to json://… failed" in caplog.text
        for secret in ("S3cretPushToken99", "hookpath-Zk81Lq"):
            assert secret not in caplog.text
    finally:
        uninstall_log_redaction()


async def test_a_slow_push_never_holds_up_the_event_loop(push_receiver: PushReceiver) -> None:
    push_receiver.delay = 1.0
    sender = PushSender()
    gate = asyncio.Event()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while not gate.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    for n in range(5):
        sender.push([push_receiver.url(f"p{n}")], "t", "b")
    assert time.monotonic() - started < 0.5, "push() returns at once"
    await sender.wait()
    gate.set()
    await task
    assert len(push_receiver.wait_for(5)) == 5
    # Five answers of 1 s each: run on the loop they would leave a handful of ticks.
    assert ticks >= 30, f"the loop ran only {ticks} times during the pushes"


def test_a_bad_push_url_is_a_problem_naming_its_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[notifications]\n"
        'push = ["ntfy://fine-topic", "nosuchservice://tok3nValue55/x", "just words"]\n'
        "\n[[notifications.rules]]\n"
        'name = "Bad"\npush = "pover://"\n'
        "[notifications.extra]\n",
        encoding="utf-8",
    )
    prefs, problems = load_prefs(config)
    assert prefs.notifications.push == ("ntfy://fine-topic",)
    text = [str(p) for p in problems]
    bad = [t for t in text if "notifications.push:" in t]
    assert len(bad) == 2
    assert "entry 2" in bad[0] and "nosuchservice://…" in bad[0] and ":2:" in bad[0]
    assert "entry 3" in bad[1]
    assert not any("tok3nValue55" in t for t in text), "a problem never echoes the URL"
    assert any("notifications.rules[0].push" in t and "pover://…" in t for t in text)


async def test_a_page_token_ending_within_a_week_is_pushed_once(
    service: tuple[Simulator, Runtime], push_receiver: PushReceiver
) -> None:
    from tui.services.accounts import AccountManager

    sim, runtime = service
    configure(runtime, f'\n[notifications]\npush = ["{push_receiver.url()}"]\n')
    # The Page token (demo-page and demo-ig use it) now ends in 3 days and 2 hours;
    # the care pass learns that from debug_token.
    sim.control_token(sim.world.tokens["page"], {"expires_in": 3 * 86400 + 7200})
    manager = AccountManager(runtime, transport=sim.transport(), clock=sim.clock.now)
    await manager.maintain()
    await manager.maintain()  # the next care pass: nothing new to say
    assert runtime.alerting is not None
    await runtime.alerting.wait()
    pushes = push_receiver.wait_for(2)
    assert sorted(p["title"] for p in pushes) == [
        "Linkdeck: demo-ig token expires in 3 days",
        "Linkdeck: demo-page token expires in 3 days",
    ]
    page = next(p for p in pushes if "demo-page" in p["title"])
    assert "linkdeck link messenger" in page["message"]
    assert [n.kind for n in runtime.alerting.notices] == ["expiring", "expiring"]
    assert len(push_receiver.received) == 2


def test_a_push_sink_with_nowhere_to_go_is_a_warning(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[notifications.rules]]\nname = "Loud"\nsinks = ["toast", "push"]\n', encoding="utf-8"
    )
    _prefs, problems = load_prefs(config)
    [problem] = problems
    assert problem.key == "notifications.rules[0].sinks" and "push = [...]" in problem.message
    config.write_text(
        '[notifications]\npush = ["ntfy://topic"]\n\n'
        '[[notifications.rules]]\nname = "Loud"\nsinks = ["toast", "push"]\n',
        encoding="utf-8",
    )
    assert load_prefs(config)[1] == []
