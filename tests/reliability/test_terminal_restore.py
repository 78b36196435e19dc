"""SIGTERM and SIGHUP to the dashboard in a real terminal: every mode is given back."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from bench.pty_run import PtyApp
from tests.reliability.conftest import ROOT
from tests.reliability.tmux import MODE_FLAGS, Tmux
from tui.terminal_guard import GRACE_SECONDS, RESTORE_WAIT_SECONDS


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


def test_a_stop_signal_ends_the_dashboard_when_its_terminal_stops_reading(
    tmp_path: Path,
) -> None:
    """A stalled SSH session: nothing reads the terminal, so every write to it blocks, the
    ordinary exit with it. The stop signal must still end the process, not leave it hung."""
    command = [sys.executable, "-m", "tui", "--demo", "--data-dir", str(tmp_path / "data")]
    app = PtyApp(command, cwd=str(ROOT))
    try:
        app.wait_for_text(" conversations", timeout=60)
        # From here on nothing is read: each tab switch repaints the whole screen until
        # the terminal's buffer is full and the dashboard's writes block.
        for _ in range(40):
            for key in (b"2", b"3", b"4", b"1"):
                os.write(app.master, key)
            time.sleep(0.05)
        time.sleep(1)
        waiting = struct.unpack("i", fcntl.ioctl(app.master, termios.FIONREAD, b"\0" * 4))[0]
        assert waiting >= 4000, f"the terminal should be full of unread output ({waiting} bytes)"
        os.kill(app.pid, signal.SIGTERM)
        # GRACE_SECONDS for the ordinary exit, then the forced end.
        app.proc.wait(GRACE_SECONDS + RESTORE_WAIT_SECONDS + 10)
        assert app.proc.returncode == 128 + signal.SIGTERM
    finally:
        app.close()
