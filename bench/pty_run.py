"""Run a terminal program in a pseudo-terminal of fixed size and time what it draws.

Frames are found the way a real terminal sees them: Textual asks whether the terminal
supports synchronized output (``CSI ? 2026 $ p``); we answer yes, so every frame it
writes afterwards ends with ``CSI ? 2026 l``. Times are wall-clock from the moment we
write (the spawn, or a key) to the end of the matching frame.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_ANSWER = b"\x1b[?2026;2$y"
SYNC_END = b"\x1b[?2026l"
_ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def visible(data: bytes) -> str:
    """The printable text of a chunk of terminal output, escape sequences removed."""
    return _ESCAPES.sub(b"", data).decode("utf-8", "replace")


class PtyApp:
    """One program on the slave side of a pty; we read and write the master side."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        size: tuple[int, int] = (120, 40),
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols)}
        full_env.pop("TEXTUAL", None)
        full_env.update(env or {})
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        """Everything the program wrote so far."""
        self.frames = 0
        self.sync = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:
            return b""
        if SYNC_QUERY in chunk:
            os.write(self.master, SYNC_ANSWER)
            self.sync = True
        self.output += chunk
        self.frames += chunk.count(SYNC_END)
        return chunk

    def wait_for_text(self, marker: str, timeout: float = 60.0) -> float:
        """Seconds from the spawn until ``marker`` is visible in the output."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            self._read(deadline - time.perf_counter())
            # The tail is enough: the marker arrives in the newest chunk.
            if marker in visible(bytes(self.output[-400_000:])):
                return time.perf_counter() - self.started
            if self.proc.poll() is not None:
                break
        raise TimeoutError(
            f"{marker!r} never appeared; last output: {visible(bytes(self.output[-2000:]))!r}"
        )

    def drain(self, quiet: float = 0.05, limit: float = 5.0) -> None:
        """Read until the program has been silent for ``quiet`` seconds."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            if not self._read(quiet):
                return

    def key_to_frame(self, key: bytes, timeout: float = 5.0) -> float:
        """Seconds from writing ``key`` to the end of the next frame."""
        frames = self.frames
        started = time.perf_counter()
        os.write(self.master, key)
        deadline = started + timeout
        while self.frames == frames:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no frame within {timeout}s after {key!r}")
            self._read(deadline - time.perf_counter())
        return time.perf_counter() - started

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        os.close(self.master)
