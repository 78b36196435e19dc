"""``pagedown`` with less quiet between presses: a stand-in for a slower machine.

Not a row of the table. The ``pagedown`` row presses every 10 ms of quiet; on a slower
machine (or with a faster hand) drawing ahead has not drawn the next screen when the key
comes. This walks the floor list and the dashboard on the 1M store (and, with ``--also
DIR``, the dashboard of another checkout, for a before/after), alternating round by
round: 100 ``j`` first as the benchmark does, then 30 ``pagedown`` with 10 ms of quiet
before each press and 30 with 5 ms. Medians over rounds of each round's median and p99.

    python -m bench.pagedown_gap [--rounds N] [--also DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.common import median, percentile
from bench.dataset import cached_store, copy_store, newest_customer
from bench.inbox_bench import floor_app, paused_config
from bench.pty_run import PtyApp

GAPS = (0.01, 0.005)
PAGES = 30


def _walk(app: PtyApp, key: bytes, presses: int, quiet: float) -> list[float]:
    out = []
    for _ in range(presses):
        out.append(app.key_to_frame(key))
        app.drain(quiet=quiet, limit=0.5)
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pagedown_gap")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--also", type=Path, help="another checkout's dashboard, for A/B")
    args = parser.parse_args(argv)
    here = str(Path(__file__).resolve().parents[1])
    trees = {"this": here}
    if args.also is not None:
        trees = {"also": str(args.also.resolve()), **trees}
    folder = cached_store(1_000_000, 50_000)
    samples: dict[tuple[str, float], list[list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = paused_config(Path(tmp) / "cfg")
        marker = newest_customer(50_000)
        for n in range(args.rounds):
            for name in ("floor", *trees):
                if name == "floor":
                    app, ready = floor_app(50_000), "Row 00000"
                else:
                    data = copy_store(folder, Path(tmp) / f"{name}{n}")
                    command = ["--config", str(config), "--data-dir", str(data)]
                    app = PtyApp([sys.executable, "-m", "tui", *command], cwd=trees[name])
                    ready = marker
                try:
                    app.wait_for_text(ready, timeout=120)
                    app.drain(quiet=0.3)
                    _walk(app, b"j", 100, 0.01)
                    for gap in GAPS:
                        pages = _walk(app, b"\x1b[6~", PAGES, gap)
                        samples.setdefault((name, gap), []).append(pages)
                finally:
                    app.close()
    for gap in GAPS:
        floor = median([median(s) for s in samples["floor", gap]])
        for name in ("floor", *trees):
            rounds = samples[name, gap]
            p50 = median([median(s) for s in rounds])
            p99 = median([percentile(s, 99) for s in rounds])
            each = ", ".join(f"{median(s) * 1000:.1f}" for s in rounds)
            print(
                f"pagedown, {gap * 1000:.0f} ms quiet, {name:5}: median {p50 * 1000:5.1f} ms "
                f"({p50 / floor:.2f}x the floor), p99 {p99 * 1000:5.1f} ms; rounds {each}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
