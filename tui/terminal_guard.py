"""Gives the terminal back on every way out of the dashboard, stop signals included.

Textual restores the terminal when the app exits normally. SIGTERM and SIGHUP would end
the process at once and leave the alternate screen, mouse reporting, a hidden cursor and
no line wrapping behind; :func:`stop_signals_exit_cleanly` turns them into an ordinary
exit, and if that does not finish in time (or a second signal comes), the modes are
reset by hand before the process ends, which it does even if the terminal takes no more
output.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

__all__ = ["RESTORE_SEQUENCE", "restore_terminal", "stop_signals_exit_cleanly"]

RESTORE_SEQUENCE = (
    "\x1b[<u"  # pop the kitty keyboard mode
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"  # mouse reporting off
    "\x1b[?2004l"  # bracketed paste off
    "\x1b[?1004l"  # focus events off
    "\x1b[?2048l"  # in-band resize off
    "\x1b[?7h"  # line wrapping on
    "\x1b[?25h"  # cursor shown
    "\x1b[?1049l"  # back to the main screen
    "\x1b[0m"
)
"""Every mode the dashboard's driver may have set, set back to the terminal's default."""

GRACE_SECONDS = 5.0
"""How long an ordinary exit may take after a stop signal before the modes are reset by hand."""

RESTORE_WAIT_SECONDS = 1.0
"""How long the forced end waits for the terminal to take the reset sequence."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


AFTER_EXIT_SEQUENCE = "\x1b[?25h\x1b[?7h"
"""Cursor shown, wrapping on: written once more after every exit of the dashboard."""


def _write_to_terminal(sequence: str) -> None:
    # The driver writes to stderr; so does this, and only when it is a terminal.
    stream = sys.__stderr__
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if stream is not None and stream.isatty():
            os.write(stream.fileno(), sequence.encode())


def restore_terminal(attributes: list[Any] | None = None) -> None:
    """Write :data:`RESTORE_SEQUENCE` to the terminal and put back its saved line settings."""
    _write_to_terminal(RESTORE_SEQUENCE)
    if attributes is None:
        return
    with contextlib.suppress(Exception):
        import termios

        stdin = sys.__stdin__
        if stdin is not None:
            termios.tcsetattr(stdin.fileno(), termios.TCSANOW, attributes)


def _saved_attributes() -> list[Any] | None:
    try:
        import termios

        stdin = sys.__stdin__
        if stdin is None or not stdin.isatty():
            return None
        return termios.tcgetattr(stdin.fileno())
    except Exception:
        return None


@contextlib.contextmanager
def stop_signals_exit_cleanly(request_exit: Callable[[], object]) -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP ask for an ordinary exit.

    Args:
        request_exit: Thread-safe; asks the app to exit (``loop.call_soon_threadsafe(app.exit)``).
    """
    attributes = _saved_attributes()
    previous: dict[int, Any] = {}
    signalled = threading.Event()
    app_ended = threading.Event()

    def force(code: int) -> None:
        # After the app's own exit the terminal is already restored; only the process
        # (e.g. a store closing slowly) is left to end. A terminal that stopped reading
        # (an SSH session stalled, a pane nobody drains) blocks every write to it: that
        # is often why the ordinary exit did not finish, and it must not keep this one
        # from ending the process either, so the write gets a moment in a thread of its own.
        if not app_ended.is_set():
            writer = threading.Thread(
                target=restore_terminal, args=(attributes,), name="restore", daemon=True
            )
            writer.start()
            writer.join(RESTORE_WAIT_SECONDS)
        os._exit(code)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        code = 128 + signum
        if signalled.is_set():
            force(code)  # a second signal: the user means it
        signalled.set()
        with contextlib.suppress(Exception):
            request_exit()
        timer = threading.Timer(GRACE_SECONDS, force, args=(code,))
        timer.daemon = True
        timer.start()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    for signum in STOP_SIGNALS:
        previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        app_ended.set()
        # Even an ordinary quit can leave the cursor hidden (seen under tmux): the modes
        # that are harmless to set twice on the main screen are set once more.
        _write_to_terminal(AFTER_EXIT_SEQUENCE)
        for number, handler in previous.items():
            signal.signal(number, handler)
