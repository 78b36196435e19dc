"""``python -m bench``: every benchmark against its baseline, with the machine's label.

python -m bench                 # the full run (a few minutes; builds a 1M store once)
python -m bench --smoke         # tiny sizes, for CI: checks that everything runs
python -m bench --only search   # one benchmark (startup, inbox, ingest, search, polling, matrix)
python -m bench --markdown out.md   # also write the results table
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import (
    inbox_bench,
    ingest_bench,
    live_event_bench,
    matrix_bench,
    polling_bench,
    search_bench,
    service_bench,
    startup,
    webhooks_bench,
)
from bench.common import Result, load, machine, markdown_table

FULL = {
    "startup": lambda: startup.run(runs=7),
    "inbox": lambda: inbox_bench.run(1_000_000, 50_000, runs=5, presses=400, rounds=3),
    "ingest": lambda: ingest_bench.run(200_000, 2_000, batch=2_000, rounds=3),
    "search": lambda: search_bench.run(1_000_000, 50_000, repeats=15),
    "polling": lambda: polling_bench.run(30, 5, samples=10),
    "webhooks": lambda: webhooks_bench.run(10_000, samples=20, messages=300),
    "matrix": lambda: matrix_bench.run(50, 2000, samples=20),
    "service": lambda: service_bench.run(runs=5, samples=20),
    "live": lambda: live_event_bench.run(1_000_000, 50_000, rounds=80),
}
SMOKE: dict[str, Callable[[], list[Result]]] = {
    "startup": lambda: startup.run(runs=1),
    "inbox": lambda: inbox_bench.run(2_000, 100, runs=1, presses=8, rounds=1, floor_rows=2_000),
    "ingest": lambda: ingest_bench.run(2_000, 100, batch=500, rounds=1),
    "search": lambda: search_bench.run(2_000, 100, repeats=3),
    "polling": lambda: polling_bench.run(10, 3, samples=1),
    "webhooks": lambda: webhooks_bench.run(100, samples=2, messages=20),
    "matrix": lambda: matrix_bench.run(2, 60, samples=1),
    "service": lambda: service_bench.run(runs=1, samples=2),
    "live": lambda: live_event_bench.run(2_000, 100, rounds=2),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no meaning in timings")
    parser.add_argument("--only", action="append", choices=sorted(FULL), help="run just these")
    parser.add_argument("--markdown", type=Path, help="write the results table here")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    label = machine()
    print(f"machine: {label}", flush=True)
    results: list[Result] = []
    failed = []
    for name, bench in plan.items():
        if args.only and name not in args.only:
            continue
        print(f"[{name}]", flush=True)
        started = time.perf_counter()
        try:
            found = bench()
        except Exception as exc:  # one broken benchmark must not hide the others
            failed.append(name)
            print(f"  {name} FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        for result in found:
            print(f"  {result.line()}", flush=True)
        print(f"  ({time.perf_counter() - started:.1f} s, load {load()})", flush=True)
        results.extend(found)
    table = markdown_table(results)
    print(f"\nmachine: {label}\n{table}")
    if args.markdown is not None:
        args.markdown.write_text(f"Machine: {label}\n\n{table}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
