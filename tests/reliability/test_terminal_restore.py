"""SIGTERM and SIGHUP to the dashboard in a real terminal: every mode is given back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT
from tests.reliability.tmux import MODE_FLAGS, Tmux


def app_pid(tmux: Tmux) -> int:
    """The dashboard's pid: the child of the pane's shell."""
    shell = int(tmux.display("#{pane_pid}"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(shell)], capture_output=True, text=True
        ).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.1)
    raise AssertionError("the dashboard process was not found")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_gives_the_terminal_back(tmp_path: Path, signum: signal.Signals) -> None:
    command = [sys.executable, "-m", "tui", "--demo", "--data-dir", str(tmp_path / "data")]
    tmux = Tmux(command, cwd=ROOT)
    # tmux reports a dead pane's cursor as hidden: keep the shell alive to read the modes.
    tmux.command += "; sleep 600"
    try:
        fresh = {flag: tmux.modes()[flag] for flag in MODE_FLAGS}
        tmux.start()
        tmux.wait_for("Inbox", timeout=60)
        tmux.wait_for(" conversations", timeout=60)
        taken = tmux.modes()
        assert taken["alternate_on"] == "1" and taken["cursor_flag"] == "0", taken
        os.kill(app_pid(tmux), signum)
        tmux.wait_dead(timeout=20)
        back = {flag: tmux.modes()[flag] for flag in MODE_FLAGS}
        assert back == fresh, f"modes left changed: {set(back.items()) - set(fresh.items())}"
    finally:
        tmux.kill()
