"""A catastrophic rule pattern in config.toml and a hostile text: ctrl+q still quits."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability.conftest import ROOT, LoopbackSim
from tests.reliability.test_terminal_restore import app_pid
from tests.reliability.tmux import Tmux

RULES = """
[[notifications.rules]]
name = "Runaway"
patterns = ['(a+)+$', '(x|xx)+y']
action = "notify"
"""


def test_a_nested_quantifier_rule_neither_freezes_the_start_nor_blocks_quitting(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=51)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=1)
    config.write_text(config.read_text() + RULES)
    # Already in the store before this start: the catch-up pass sees it first.
    rig.post("/_sim/inbound", {"account": "demo-page", "text": "a" * 34 + "!"})
    command = [sys.executable, "-m", "tui", "--config", str(config)]
    tmux = Tmux([*command, "--data-dir", str(tmp_path / "data")], cwd=ROOT)
    pid = 0
    try:
        tmux.start()
        tmux.wait_for("Inbox", timeout=60)
        pid = app_pid(tmux)
        tmux.wait_for(" conversations", timeout=60)
        # Live now: each of these runs through the rule.
        for text in ("a" * 34 + "!", "x" * 40, "a" * 3000 + "!"):
            rig.post("/_sim/inbound", {"account": "demo-page", "text": text})
        # The live batch arrived and went through the rule. New conversations land above
        # the selected one ("↑ N new above (g)"), so go to the top as a user would.
        deadline = time.monotonic() + 30
        while "xxxxxxxxxx" not in tmux.screen():
            assert time.monotonic() < deadline, f"the live batch never showed:\n{tmux.screen()}"
            tmux.keys("g", pause=0.5)
        time.sleep(1)
        started = time.monotonic()
        tmux.keys("C-q")
        assert tmux.wait_dead(timeout=20) == "0"
        assert time.monotonic() - started < 10
    finally:
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # a frozen app ignores tmux's hang-up
        tmux.kill()
