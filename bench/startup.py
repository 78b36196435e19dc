"""Start-up to first paint: ``linkdeck --demo`` against a Textual app with one Label.

Both are spawned the same way, in a 120x40 pty, and timed from the spawn until their
own first frame is on screen: the Label's text for the baseline; for the dashboard, its
shell's "Loading…" placeholder, which is drawn in the same frame as the header and the
tab bar, before the panes, the store and the simulator are imported or opened (so
interpreter start and imports count for both). The same spawn is then timed until the
loaded inbox shows its conversation count: reported beside the row, not judged.

Both start from bytecode: Textual's was compiled when pip installed it, and our own
sources (an editable install, which pip leaves uncompiled) are compiled first, as
``tasks.py`` does for every command; otherwise, where bytecode is not written
(``PYTHONDONTWRITEBYTECODE``), the dashboard alone would compile its modules at every
start.
"""

from __future__ import annotations

import compileall
import sys
import tempfile
from pathlib import Path

from bench.common import Result, median
from bench.minimal_app import MARKER
from bench.pty_run import PtyApp

GOAL_RATIO = 1.5
SHELL_MARKER = "Loading…"
"""``tui.shell.LOADING_TEXT``: only the shell's first frame draws it."""
LOADED_MARKER = " conversations"
"""The inbox's title line (``All · 36 conversations``): the dashboard screen is up."""


def time_first_paint(
    argv: list[str],
    marker: str,
    then: str | None = None,
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, float | None]:
    """Seconds from spawn to ``marker``, and (when given) to ``then`` after it."""
    app = PtyApp(argv, cwd=cwd, env=env)
    try:
        first = app.wait_for_text(marker, timeout=60)
        return first, (app.wait_for_text(then, timeout=60) if then else None)
    finally:
        app.close()


def compile_sources() -> Path:
    """Byte-compile ``tui/`` and ``bench/`` (skipping what is up to date); the root."""
    root = Path(__file__).resolve().parents[1]
    for folder in ("tui", "bench"):
        compileall.compile_dir(root / folder, quiet=1)
    return root


def run(runs: int) -> list[Result]:
    root = str(compile_sources())
    baseline, demo, loaded = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            # Interleaved, so a busy moment on the machine hits both alike.
            label, _ = time_first_paint(
                [sys.executable, "-m", "bench.minimal_app"], MARKER, cwd=root
            )
            baseline.append(label)
            data = Path(tmp) / f"d{n}"
            argv = [sys.executable, "-m", "tui", "--demo", "--data-dir", str(data)]
            shell, ready = time_first_paint(argv, SHELL_MARKER, LOADED_MARKER)
            demo.append(shell)
            loaded.append(ready or 0.0)
    ratio = median(demo) / median(baseline)
    return [
        Result(
            "start-up to first paint (--demo)",
            f"<= {GOAL_RATIO}x minimal Label app",
            f"{median(demo) * 1000:.0f} ms (Label app {median(baseline) * 1000:.0f} ms), "
            f"median of {runs}; inbox loaded at {median(loaded) * 1000:.0f} ms",
            f"{ratio:.2f}x",
            ratio <= GOAL_RATIO,
            floor=f"bare Textual app with one Label, median {median(baseline) * 1000:.0f} ms",
        )
    ]
