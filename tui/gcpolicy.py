"""The dashboard's garbage-collector policy: fewer, cheaper collections while keys move.

After start-up the heap holds tens of thousands of long-lived objects (Textual's DOM,
styles, imported modules). Every full collection walks all of them, and those pauses
were the tail of key-to-frame (BENCHMARKS.md). Once the dashboard is up we move them out
of the collector's sight (``gc.freeze``) and collect the young generation less often.
"""

from __future__ import annotations

import gc
import sys
from typing import Protocol

THRESHOLDS = (50_000, 50, 100)
"""Young collections every 50,000 new containers instead of 700; older ones rarer still.
Reference cycles are still collected, only in bigger, rarer passes."""

SWITCH_INTERVAL = 0.001
"""Seconds a busy thread keeps the GIL while another waits (Python's default is 0.005).
Textual writes each frame to the terminal from its writer thread and reads keys in its
input thread; while the event loop draws rows ahead, each of them waited up to 5 ms per
step for the GIL, and a frame already composed reached the terminal 5-10 ms late."""


class _App(Protocol):
    @property
    def is_headless(self) -> bool: ...


def settle(app: _App) -> None:
    """Freeze what start-up built, raise the thresholds and shorten the GIL's switch
    interval (not in a test's headless app: the test process lives on and must keep
    Python's defaults)."""
    if app.is_headless:
        return
    apply()


def apply() -> None:
    """The policy itself: what :func:`settle` does once the dashboard is up (benchmarks
    of headless screens call it to be timed as the dashboard runs them)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL)
