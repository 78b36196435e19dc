"""The inbox at scale: first paint, key-to-frame latency and memory, against floors.

The dashboard runs for real (``python -m tui --config C --data-dir D``) in a pty of
120x40 on a copy of the cached store; its accounts are paused so no sync runs while we
measure. First paint is the time from the spawn until the newest conversation's name
(or, for the empty store, the empty-inbox sentence) is on screen; its floor is the same
dashboard on an empty store, alternating. Key-to-frame is the time from writing a key
to the end of the frame it causes (see ``bench.pty_run``); its floor is
``bench/line_list_app.py`` (a minimal line-API list of 50,000 in-memory rows) moved
the same way, alternating round by round. ``datatable()`` is kept as an extra
reference (the naive DataTable inbox), not run by default.
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
FIRST_PAINT_RATIO = 1.25
P99_RATIO = 1.25
MEDIAN_RATIO = 1.1
RSS_BUDGET_MB = 200.0
FLOOR_ROWS = 50_000


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


def first_paints(
    config: Path, folder: Path, marker: str, runs: int
) -> tuple[list[float], list[float]]:
    """Empty store and full store, alternating (empty first), ``runs`` of each."""
    empty: list[float] = []
    full: list[float] = []
    for _ in range(runs):
        empty += first_paint(config, None, EMPTY_MARKER, 1)
        full += first_paint(config, folder, marker, 1)
    return empty, full


def floor_app(rows: int) -> PtyApp:
    root = str(Path(__file__).resolve().parents[1])
    return PtyApp([sys.executable, "-m", "bench.line_list_app", str(rows)], cwd=root)


def walk_both(app: PtyApp, presses: int) -> tuple[list[float], list[float]]:
    app.drain(quiet=0.3)
    down = walk(app, b"j", presses)
    pages = walk(app, b"\x1b[6~", max(presses // 8, 5))
    return down, pages


def stats(samples: list[list[float]]) -> tuple[float, float]:
    """Median over rounds of each round's median and p99, in ms."""
    return (
        median([median(s) for s in samples]) * 1000,
        median([percentile(s, 99) for s in samples]) * 1000,
    )


def run(
    messages: int,
    conversations: int,
    *,
    runs: int,
    presses: int,
    rounds: int = 3,
    floor_rows: int = FLOOR_ROWS,
) -> list[Result]:
    folder = cached_store(messages, conversations)
    size = f"{messages:,} msgs / {conversations:,} convs"
    ours_down: list[list[float]] = []
    ours_pages: list[list[float]] = []
    floor_down: list[list[float]] = []
    floor_pages: list[list[float]] = []
    rss = floor_rss = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        config = paused_config(Path(tmp) / "cfg")
        marker = newest_customer(conversations)
        empty, full = first_paints(config, folder, marker, runs)
        for n in range(rounds):
            app = floor_app(floor_rows)
            try:
                app.wait_for_text("Row 00000", timeout=120)
                down, pages = walk_both(app, presses)
                floor_down.append(down)
                floor_pages.append(pages)
                floor_rss = rss_mb(app.pid)
            finally:
                app.close()
            data = copy_store(folder, Path(tmp) / f"walk{n}")
            app = dashboard(config, data)
            try:
                app.wait_for_text(marker, timeout=120)
                down, pages = walk_both(app, presses)
                ours_down.append(down)
                ours_pages.append(pages)
                time.sleep(0.2)
                rss = rss_mb(app.pid)
            finally:
                app.close()

    paint_ratio = median(full) / median(empty)
    results = [
        Result(
            f"inbox first paint ({size})",
            f"<= {FIRST_PAINT_RATIO}x the empty store's",
            f"{median(full) * 1000:.0f} ms, median of {len(full)}",
            f"{paint_ratio:.2f}x",
            paint_ratio <= FIRST_PAINT_RATIO,
            floor=f"empty store {median(empty) * 1000:.0f} ms (alternating)",
        )
    ]
    for label, ours, floor in (
        (f"j x{presses}", ours_down, floor_down),
        (f"pagedown x{len(ours_pages[0])}", ours_pages, floor_pages),
    ):
        p50, p99 = stats(ours)
        f50, f99 = stats(floor)
        r50, r99 = p50 / f50 if f50 else 0.0, p99 / f99 if f99 else 0.0
        results.append(
            Result(
                f"inbox key-to-frame, {label} ({size}, pty)",
                f"p99 <= {P99_RATIO}x and median <= {MEDIAN_RATIO}x the floor's",
                f"median {p50:.1f} ms, p99 {p99:.1f} ms (median of {rounds} rounds)",
                f"median {r50:.2f}x, p99 {r99:.2f}x",
                r99 <= P99_RATIO and r50 <= MEDIAN_RATIO,
                floor=f"line-API list of {floor_rows:,} rows in memory: median {f50:.1f} ms, "
                f"p99 {f99:.1f} ms",
            )
        )
    results.append(
        Result(
            f"inbox resident memory ({size})",
            f"<= {RSS_BUDGET_MB:.0f} MB",
            f"{rss:.0f} MB after the key runs",
            f"{rss / RSS_BUDGET_MB:.2f}x the budget",
            rss <= RSS_BUDGET_MB,
            floor=f"line-API list app {floor_rss:.0f} MB",
        )
    )
    return results


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
