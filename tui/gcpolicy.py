"""The dashboard's garbage-collector policy: fewer, cheaper collections while keys move.

After start-up the heap holds tens of thousands of long-lived objects (Textual's DOM,
styles, imported modules). Every full collection walks all of them, and those pauses
were the tail of key-to-frame (BENCHMARKS.md). Once the dashboard is up we move them out
of the collector's sight (``gc.freeze``) and collect the young generation less often.
"""

from __future__ import annotations

import gc
from typing import Protocol

THRESHOLDS = (50_000, 50, 100)
"""Young collections every 50,000 new containers instead of 700; older ones rarer still.
Reference cycles are still collected, only in bigger, rarer passes."""


class _App(Protocol):
    @property
    def is_headless(self) -> bool: ...


def settle(app: _App) -> None:
    """Freeze what start-up built and raise the thresholds (not in a test's headless app:
    the test process lives on and must keep collecting as usual)."""
    if app.is_headless:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
