"""A private tmux server (its own socket) to run the dashboard in a real terminal."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

MODE_FLAGS = (
    "alternate_on",
    "mouse_any_flag",
    "mouse_standard_flag",
    "mouse_button_flag",
    "mouse_sgr_flag",
    "mouse_utf8_flag",
    "cursor_flag",
    "insert_flag",
    "keypad_flag",
    "keypad_cursor_flag",
    "origin_flag",
    "wrap_flag",
)
"""Terminal modes tmux tracks for a pane; content must never flip one of them."""


EXIT_TAG = "[program exited with status "
_EXIT = re.compile(re.escape(EXIT_TAG) + r"(\d+)\]")


def require_tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        raise AssertionError(
            "tmux is required for the terminal tests and is not installed: "
            "install it (apt-get install tmux); these tests are never skipped"
        )
    return found


class Tmux:
    """One session on a server of our own; nothing touches the user's tmux."""

    def __init__(self, command: Sequence[str], *, cwd: Path, size: tuple[int, int] = (120, 40)):
        self.binary = require_tmux()
        self.socket = f"linkdeck-test-{uuid.uuid4().hex[:10]}"
        self.session = "app"
        cols, rows = size
        self.run(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(cols),
            "-y",
            str(rows),
            "-c",
            str(cwd),
            "sleep 3600",  # a placeholder: options are set before the real command starts
        )
        self.run("set-option", "-g", "remain-on-exit", "on")
        self.run("set-option", "-g", "set-clipboard", "on")
        self.run("set-option", "-g", "allow-rename", "on")
        # tmux 3.3 sometimes marks a pane dead without its exit status, so the shell
        # prints the status itself after the program ends.
        self.command = f"{shlex.join(command)}; s=$?; echo; echo '{EXIT_TAG}'$s]"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.binary, "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, raw_log: Path | None = None) -> None:
        """Replace the placeholder with the command, recording raw output when asked."""
        if raw_log is not None:
            self.run("pipe-pane", "-o", "-t", self.session, f"cat >> {shlex.quote(str(raw_log))}")
        self.run("respawn-pane", "-k", "-t", self.session, self.command)

    def display(self, fmt: str) -> str:
        return self.run("display-message", "-p", "-t", self.session, fmt).rstrip("\n")

    def modes(self) -> dict[str, str]:
        fields = ["pane_title", *MODE_FLAGS]
        values = self.display("\x1f".join(f"#{{{f}}}" for f in fields)).split("\x1f")
        return dict(zip(fields, values, strict=True))

    def buffers(self) -> str:
        return self.run("list-buffers")

    def screen(self, history: bool = False) -> str:
        """What the pane shows (with ``history``, also what scrolled off, lines joined)."""
        if history:
            return self.run("capture-pane", "-p", "-J", "-S", "-200", "-t", self.session)
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.session, key)
            time.sleep(pause)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 30.0) -> str:
        """Until ``text`` is no longer on screen (a screen closed, a notice cleared)."""
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while text in screen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} stayed on screen:\n{screen}")
            time.sleep(0.1)
            screen = self.screen()
        return screen

    def dead_status(self) -> str | None:
        """The exit status once the command ended, else ``None``."""
        found = _EXIT.search(self.screen())
        return None if found is None else found.group(1)

    def wait_dead(self, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while (status := self.dead_status()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout} s:\n{self.screen()}")
            time.sleep(0.1)
        return status

    def kill(self) -> None:
        subprocess.run(
            [self.binary, "-L", self.socket, "kill-server"], capture_output=True, timeout=20
        )
