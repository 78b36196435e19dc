"""Sinks: OSC bytes, the bell, toasts, and a user command with env, stdin and a timeout."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

from tui.domain.rules import Sink
from tui.services.notifier import Alert
from tui.services.sinks import (
    SinkDriver,
    deliver,
    desktop_sequence,
    osc9,
    osc777,
    run_command,
)

CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HOSTILE = "Eve\x1b]52;c;cHduZWQ=\x07 hi\x9b31m;\x1b\\ \x00bye\u202e"


def test_osc777_bytes_exactly() -> None:
    assert osc777("Ana · bakery", "Hello; there") == (
        "\x1b]777;notify;Ana · bakery;Hello, there\x1b\\"
    )


def test_osc9_bytes_exactly() -> None:
    assert osc9("Ana", "Hello") == "\x1b]9;Ana: Hello\x07"
    assert osc9("4;1", "x") == "\x1b]9; 4;1: x\x07"


def test_hostile_text_cannot_escape_the_osc_string() -> None:
    sequence = desktop_sequence(HOSTILE, HOSTILE)
    # Exactly our own control bytes remain: two introducers and two terminators.
    assert CONTROLS.findall(sequence) == ["\x1b", "\x1b", "\x1b", "\x07"]
    assert sequence.startswith("\x1b]777;notify;")
    assert sequence.count("\x1b]") == 2
    inner = sequence[len("\x1b]777;notify;") : sequence.index("\x1b\\")]
    assert inner.count(";") == 1, "only the separator between title and body"
    assert "\u202e" not in sequence, "bidi override shown as a marker, not obeyed"


def make_driver(timeout: float = 5.0) -> tuple[SinkDriver, list[object]]:
    seen: list[object] = []
    driver = SinkDriver(
        toast=lambda title, body: seen.append(("toast", title, body)),
        bell=lambda: seen.append("bell"),
        write=lambda data: seen.append(("write", data)),
        timeout=timeout,
    )
    return driver, seen


async def test_each_sink_is_driven() -> None:
    driver, seen = make_driver()
    alert = Alert("Ana · bakery", "hi", (Sink.TOAST, Sink.BELL, Sink.DESKTOP))
    deliver(alert, driver)
    assert seen == [
        ("toast", "Ana · bakery", "hi"),
        "bell",
        ("write", desktop_sequence("Ana · bakery", "hi")),
    ]


async def test_command_gets_env_and_stdin_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    script = (
        "import json, os, sys; "
        f"json.dump({{'env': dict(os.environ), 'stdin': sys.stdin.read(), 'argv': sys.argv}}, "
        f"open({str(out)!r}, 'w'))"
    )
    driver, _ = make_driver()
    env = {"LINKDECK_SENDER": "Ana", "LINKDECK_TEXT": "hello $(rm -rf ~) `x`"}
    alert = Alert("t", "b", (Sink.COMMAND,), (sys.executable, "-c", script, "$HOME;"), env=env)
    os.environ["LINKDECK_TEST_TOKEN"] = "EAAG-secret"
    try:
        deliver(alert, driver)
        await driver.wait()
    finally:
        del os.environ["LINKDECK_TEST_TOKEN"]
    got = json.loads(out.read_text())
    assert got["stdin"] == "hello $(rm -rf ~) `x`"
    assert got["env"]["LINKDECK_SENDER"] == "Ana"
    assert got["argv"][-1] == "$HOME;", "no shell expanded it"
    assert "LINKDECK_TEST_TOKEN" not in got["env"], "our secrets stay out of its environment"
    assert driver.results[-1].returncode == 0


async def test_command_is_killed_after_its_timeout() -> None:
    started = time.monotonic()
    result = await run_command(
        (sys.executable, "-c", "import time; time.sleep(30)"), {}, "", limit=0.5
    )
    assert result.timed_out and result.returncode is None
    assert time.monotonic() - started < 5


async def test_missing_command_is_reported_not_raised() -> None:
    result = await run_command(("/nonexistent/notify-me",), {}, "")
    assert result.returncode is None and result.error
