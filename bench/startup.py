"""Start-up to first paint: ``linkdeck --demo`` against a Textual app with one Label.

Both are spawned the same way, in a 120x40 pty, and timed from the spawn until their
own text is on screen: the Label's text for the baseline, the Inbox tab title for the
dashboard (so interpreter start and imports count for both).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.common import Result, median
from bench.minimal_app import MARKER
from bench.pty_run import PtyApp

GOAL_RATIO = 1.5


def _time(argv: list[str], marker: str, cwd: str | None = None) -> float:
    app = PtyApp(argv, cwd=cwd)
    try:
        return app.wait_for_text(marker, timeout=60)
    finally:
        app.close()


def run(runs: int) -> list[Result]:
    root = str(Path(__file__).resolve().parents[1])
    baseline, demo = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            # Interleaved, so a busy moment on the machine hits both alike.
            baseline.append(_time([sys.executable, "-m", "bench.minimal_app"], MARKER, root))
            data = Path(tmp) / f"d{n}"
            argv = [sys.executable, "-m", "tui", "--demo", "--data-dir", str(data)]
            demo.append(_time(argv, "Inbox"))
    ratio = median(demo) / median(baseline)
    return [
        Result(
            "start-up to first paint (--demo)",
            f"<= {GOAL_RATIO}x minimal Label app",
            f"{median(demo) * 1000:.0f} ms (Label app {median(baseline) * 1000:.0f} ms), "
            f"median of {runs}",
            f"{ratio:.2f}x",
            ratio <= GOAL_RATIO,
        )
    ]
