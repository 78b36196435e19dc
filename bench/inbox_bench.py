"""The inbox at scale: first paint, key-to-frame latency and memory, against baselines.

The dashboard runs for real (``python -m tui --config C --data-dir D``) in a pty of
120x40 on a copy of the cached store; its accounts are paused so no sync runs while we
measure. First paint is the time from the spawn until the newest conversation's name
(or, for the empty store, the empty-inbox sentence) is on screen. Key-to-frame is the
time from writing a key to the end of the frame it causes (see ``bench.pty_run``).
The DataTable baseline loads the same conversations into one DataTable.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result, median, percentile, rss_mb
from bench.dataset import cached_store, copy_store, newest_customer
from bench.pty_run import PtyApp
from tui.simulator import Simulator

EMPTY_MARKER = "No conversations yet"
FIRST_PAINT_BUDGET_MS = 300.0
P99_BUDGET_MS = 16.0
RSS_BUDGET_MB = 200.0


def paused_config(folder: Path) -> Path:
    """The simulator's seeded accounts, paused, pointing at a port nothing listens on."""
    config = Simulator(7).write_config(folder, "http://127.0.0.1:9")
    text = config.read_text().replace('platform = "', 'paused = true\nplatform = "')
    config.write_text(text)
    return config


def dashboard(config: Path, data: Path) -> PtyApp:
    return PtyApp([sys.executable, "-m", "tui", "--config", str(config), "--data-dir", str(data)])


def first_paint(config: Path, source: Path | None, marker: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            if source is not None:
                copy_store(source, data)
            app = dashboard(config, data)
            try:
                times.append(app.wait_for_text(marker, timeout=120))
            finally:
                app.close()
    return times


def walk(app: PtyApp, key: bytes, presses: int) -> list[float]:
    """Key-to-frame for ``presses`` presses of one key, a little apart like a person."""
    out = []
    for _ in range(presses):
        out.append(app.key_to_frame(key))
        app.drain(quiet=0.01, limit=0.5)
    return out


def run(messages: int, conversations: int, *, runs: int, presses: int) -> list[Result]:
    folder = cached_store(messages, conversations)
    size = f"{messages:,} msgs / {conversations:,} convs"
    with tempfile.TemporaryDirectory() as tmp:
        config = paused_config(Path(tmp) / "cfg")
        marker = newest_customer(conversations)
        empty = first_paint(config, None, EMPTY_MARKER, runs)
        full = first_paint(config, folder, marker, runs)
        data = copy_store(folder, Path(tmp) / "walk")
        app = dashboard(config, data)
        try:
            app.wait_for_text(marker, timeout=120)
            app.drain(quiet=0.3)
            down = walk(app, b"j", presses)
            pages = walk(app, b"\x1b[6~", max(presses // 4, 5))
            time.sleep(0.2)
            rss = rss_mb(app.pid)
        finally:
            app.close()
        table_paint, table_down, table_rss = datatable(folder, presses, runs)

    extra_ms = (median(full) - median(empty)) * 1000
    p50, p99 = median(down) * 1000, percentile(down, 99) * 1000
    pg50, pg99 = median(pages) * 1000, percentile(pages, 99) * 1000
    t50, t99 = median(table_down) * 1000, percentile(table_down, 99) * 1000
    return [
        Result(
            f"inbox first paint ({size})",
            f"<= empty + {FIRST_PAINT_BUDGET_MS:.0f} ms",
            f"{median(full) * 1000:.0f} ms (empty store {median(empty) * 1000:.0f} ms, "
            f"+{extra_ms:.0f} ms)",
            f"{median(full) / median(empty):.2f}x empty; "
            f"{median(table_paint) / median(full):.1f}x faster than DataTable "
            f"({median(table_paint) * 1000:.0f} ms)",
            extra_ms <= FIRST_PAINT_BUDGET_MS,
        ),
        Result(
            f"inbox key-to-frame, j x{len(down)}",
            f"p99 <= {P99_BUDGET_MS:.0f} ms",
            f"median {p50:.1f} ms, p99 {p99:.1f} ms (pagedown: median {pg50:.1f}, p99 {pg99:.1f})",
            f"DataTable down: median {t50:.1f} ms, p99 {t99:.1f} ms "
            f"({t99 / p99 if p99 else 0:.2f}x ours)",
            p99 <= P99_BUDGET_MS,
        ),
        Result(
            f"inbox resident memory ({size})",
            f"<= {RSS_BUDGET_MB:.0f} MB",
            f"{rss:.0f} MB",
            f"DataTable {table_rss:.0f} MB ({table_rss / rss if rss else 0:.1f}x ours)",
            rss <= RSS_BUDGET_MB,
        ),
    ]


def datatable(folder: Path, presses: int, runs: int) -> tuple[list[float], list[float], float]:
    """The naive baseline's first paint, key-to-frame for down, and memory."""
    database = str(folder / "linkdeck.db")
    argv = [sys.executable, "-m", "bench.datatable_app", database]
    root = str(Path(__file__).resolve().parents[1])
    paints = []
    for _ in range(runs):
        app = PtyApp(argv, cwd=root)
        try:
            # The first row drawn is the newest conversation, as in the dashboard.
            paints.append(app.wait_for_text(newest_customer_from(database), timeout=300))
        finally:
            app.close()
    app = PtyApp(argv, cwd=root)
    try:
        app.wait_for_text(newest_customer_from(database), timeout=300)
        app.drain(quiet=0.3)
        down = walk(app, b"\x1b[B", presses)
        time.sleep(0.2)
        rss = rss_mb(app.pid)
    finally:
        app.close()
    return paints, down, rss


def newest_customer_from(database: str) -> str:
    import sqlite3

    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        (name,) = db.execute(
            "SELECT customer_name FROM conversations ORDER BY updated_at DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    return str(name)


__all__ = ["newest_customer", "run"]
