"""Where a warm search on the search screen spends its time, step by step.

Not a row of the table: the breakdown behind the "search screen" rows. The bench's search
app (``bench/search_bench.py``: the real screen over a copy of the cached 1M store, under
the dashboard's garbage-collector policy) runs ``rounds`` warm searches, each after one
that finds nothing, with a mark at each step:

1. the search's task starting (``run_search`` creates it; the debounce is not counted);
2. ``Store.search``, in the app;
3. the new rows put in the results list (``_fill``);
4. the status line written;
5. Textual's own steps until the frame begins (each changed widget's prompt, its update
   to the screen, the screen's update timer);
6. the frame, until it asks the results list for its lines: where the row of the table
   stops;
7. the rest of the frame: the rows drawn for the first time, the status line, the
   compositor, until the frame is composed (a real terminal then gets its text).

    python -m bench.search_timeline [ROUNDS] [--query TEXT]

Medians per step over the rounds, in ms. The marks are a few wrapped calls, a few
microseconds each.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import median
from bench.dataset import RARE_WORD, cached_store, copy_store
from bench.search_bench import _as_in_the_dashboard, search_screen
from tui.modals.search import SearchScreen

STEPS = (
    ("task start", "called", "search start"),
    ("Store.search", "search start", "search done"),
    ("rows into the list", "search done", "filled"),
    ("status line", "filled", "status"),
    ("Textual's steps to the frame", "status", "frame start"),
    ("frame, to the list's lines", "frame start", "list asked"),
    ("rest of the frame", "list asked", "composed"),
)
ENDS = (("to the list's lines (the row)", "list asked"), ("to the frame composed", "composed"))


def _marked(marks: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with a mark when it returns (the first time in each round)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        marks.setdefault(name, time.perf_counter())
        return result

    return call


async def _rounds(path: Path, query: str, rounds: int) -> list[dict[str, float]]:
    async with search_screen(path) as (store, pilot, screen, results):
        marks: dict[str, float] = {}
        composed = asyncio.Event()
        search = store.search

        async def timed_search(*args: Any, **kwargs: Any) -> Any:
            marks.setdefault("search start", time.perf_counter())
            hits = await search(*args, **kwargs)
            marks.setdefault("search done", time.perf_counter())
            return hits

        render_lines = results.render_lines

        def timed_render_lines(crop: Any) -> Any:
            if crop.y == 0:
                marks.setdefault("list asked", time.perf_counter())
            return render_lines(crop)

        refresh = screen._compositor_refresh

        def timed_refresh() -> None:
            marks.setdefault("frame start", time.perf_counter())
            refresh()
            if "list asked" in marks:
                marks.setdefault("composed", time.perf_counter())
                composed.set()

        # Wrapped on the instances: the bench's store and this app's screen only.
        store.search = timed_search  # type: ignore[method-assign]
        screen._fill = _marked(marks, "filled", screen._fill)  # type: ignore[method-assign]
        screen._set_status = _marked(marks, "status", screen._set_status)  # type: ignore[method-assign]
        results.render_lines = timed_render_lines  # type: ignore[method-assign]
        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]

        timelines: list[dict[str, float]] = []
        with _as_in_the_dashboard():
            await _settled(screen, pilot, query)  # cold: not counted
            for _ in range(rounds):
                await _settled(screen, pilot, "zzzz nothing")
                marks.clear()
                composed.clear()
                marks["called"] = time.perf_counter()
                screen.run_search(query, delay=0)
                await composed.wait()
                timelines.append(dict(marks))
                await _settled(screen, pilot, None)
    return timelines


async def _settled(screen: SearchScreen, pilot: Any, query: str | None) -> None:
    """Run ``query`` (if any), then wait until no search is running (its look-alike
    marks included) and its frames are out: a search still running would set the next
    round's marks."""
    if query is not None:
        screen.run_search(query, delay=0)
    task = screen._search_task
    if task is not None:
        await asyncio.wait([task])  # finished or cancelled, never raised here
    await pilot.pause()
    await asyncio.sleep(0.02)


def run(rounds: int, query: str = RARE_WORD) -> str:
    folder = cached_store(1_000_000, 50_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = copy_store(folder, Path(tmp) / "data") / "linkdeck.db"
        timelines = asyncio.run(_rounds(path, query, rounds))
    lines = [f"search screen, warm {query!r}: medians of {rounds} searches, ms"]
    for label, start, end in STEPS:
        spans = [t[end] - t[start] for t in timelines if start in t and end in t]
        lines.append(f"  {label:<32} {median(spans) * 1000:7.3f}  (n={len(spans)})")
    for label, end in ENDS:
        totals = [t[end] - t["called"] for t in timelines if end in t]
        lines.append(f"  {label:<32} {median(totals) * 1000:7.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=30)
    parser.add_argument("--query", default=RARE_WORD)
    args = parser.parse_args()
    print(run(args.rounds, args.query))


if __name__ == "__main__":
    main()
