"""A token is a canary: it must never show up in logs, crash output, files or toasts.

The canary is the Instagram account's real token (from secrets.toml). The simulator's
Instagram host then answers with errors whose own message quotes that token, which is
what a careless platform or proxy might do; everything the app writes must hide it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual.message import Message
from textual.notifications import Notify

from tests.reliability.conftest import ROOT, LoopbackSim, cli
from tui.app import DashboardApp
from tui.config.redact import MIN_FRAGMENT
from tui.services.runtime import open_runtime
from tui.simulator import SimClock, Simulator
from tui.simulator.faults import rule_from_json
from tui.simulator.protocol import INSTAGRAM_HOST


def leaky_faults(token: str) -> list[dict[str, object]]:
    """Instagram errors that quote the token: two transient ones, then 'invalid token'."""
    return [
        {
            "path": "/",
            "host": INSTAGRAM_HOST,
            "count": 2,
            "status": 500,
            "error": {"code": 2, "message": f"backend failed for access token {token}"},
        },
        {
            "path": "/",
            "host": INSTAGRAM_HOST,
            "count": -1,
            "status": 400,
            "error": {"code": 190, "message": f"Error validating access token {token}"},
        },
    ]


def pieces(token: str) -> list[bytes]:
    """The token and every run of it long enough to identify it."""
    return [token[i : i + MIN_FRAGMENT].encode() for i in range(len(token) - MIN_FRAGMENT + 1)]


def assert_absent(token: str, blobs: Iterable[tuple[str, bytes]]) -> None:
    for where, data in blobs:
        leaked = [p.decode() for p in pieces(token) if p in data]
        assert not leaked, f"the token (or a run of it) reached {where}"


def files(folder: Path, pattern: str) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in sorted(folder.glob(pattern)) if p.is_file()]


def test_the_token_stays_out_of_logs_database_and_config(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=41)
    canary = rig.sim.world.tokens["ig_login"]
    page_token = rig.sim.world.tokens["page"]
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    assert canary in (tmp_path / "cfg" / "secrets.toml").read_text()
    for fault in leaky_faults(canary):
        rig.post("/_sim/faults", fault)
    data = tmp_path / "data"
    # Three runs: errors while transient, then while the token is refused.
    runs = [cli("sync", "--once", "-vv", "--config", str(config), "--data-dir", str(data))]
    runs += [cli("sync", "--once", "-vv", "--config", str(config), "--data-dir", str(data))]
    logs = "".join(r.stderr for r in runs)
    assert "DEBUG" in logs and "ERROR linkdeck.sync: demo-iglogin" in logs, "nothing logged"
    for token in (canary, page_token):
        assert_absent(token, [("the -vv log", logs.encode())])
        assert_absent(token, files(data, "linkdeck.db*"))
        assert_absent(token, files(tmp_path / "cfg", "config.toml"))


def test_a_crash_with_the_token_in_its_exception_prints_it_redacted(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=42)
    canary = rig.sim.world.tokens["page"]
    config = rig.write_config(tmp_path / "cfg")
    crash = (
        "import os, sys\n"
        "import tui.services.headless as headless\n"
        "from tui import cli\n"
        "async def boom(runtime):\n"
        "    raise RuntimeError('sync blew up holding ' + os.environ['CANARY'])\n"
        "headless._once = boom\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    done = cli_python(
        crash,
        ["sync", "--once", "--config", str(config), "--data-dir", str(tmp_path / "d")],
        env={"CANARY": canary},
    )
    assert done.returncode != 0
    assert "RuntimeError" in done.stderr and "sync blew up holding" in done.stderr
    assert_absent(canary, [("the crash output", (done.stdout + done.stderr).encode())])


def cli_python(code: str, args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    import subprocess

    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
    )


async def test_no_toast_or_screen_shows_the_token(tmp_path: Path) -> None:
    sim = Simulator(43, clock=SimClock.live())
    canary = sim.world.tokens["ig_login"]
    config = sim.write_config(tmp_path / "cfg", "http://sim.test")
    config.write_text("[ui]\npoll_seconds = 2\n\n" + config.read_text())
    for fault in leaky_faults(canary):
        sim.faults.add(rule_from_json(fault))
    runtime = await open_runtime(config, tmp_path / "data", transport=sim.transport())
    seen: list[Message] = []
    app = DashboardApp(runtime=runtime, user_themes_dir=tmp_path / "themes")
    screens: list[tuple[str, bytes]] = []
    try:
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            deadline = time.monotonic() + 20
            engine = runtime.engine
            while engine.accounts["demo-iglogin"].status.state.value != "needs_reauth":
                assert time.monotonic() < deadline, engine.accounts["demo-iglogin"].status
                await pilot.pause(0.1)
            # A reply that fails carries the platform's own words: they quote the token.
            inbox = sim.world.inbox("demo-iglogin")
            assert inbox is not None
            conversation = inbox.conversations[0]
            item = await runtime.outbox.send_text(
                "demo-iglogin", conversation.id, conversation.customer.id, "are you there?"
            )
            while not [
                i
                for i in await runtime.store.outbox_items(account_id="demo-iglogin")
                if i.id == item.id and i.error
            ]:
                assert time.monotonic() < deadline + 10, "the send never failed"
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            for tab in ("1", "2", "5"):
                await pilot.press(tab)
                await pilot.pause(0.5)
                screens.append((f"tab {tab}", app.export_screenshot().encode()))
            await pilot.press("ctrl+q")
    finally:
        await runtime.close()
    toasts = [m for m in seen if isinstance(m, Notify)]
    assert toasts, "no toast at all: the token problem was not reported"
    texts = [f"{t.notification.title} {t.notification.message}" for t in toasts]
    assert_absent(canary, files(tmp_path / "data", "linkdeck.db*"))
    assert_absent(canary, [("a toast", "\n".join(texts).encode()), *screens])
    assert_absent(canary, files(tmp_path / "cfg", "config.toml"))
