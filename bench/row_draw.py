"""What the first drawing of an inbox row costs, part by part, on the 1M store.

Not a row of the table: the breakdown behind the ``pagedown`` row on slow machines. A
``pagedown`` shows 36 rows; drawing ahead draws them between presses, and when the next
press comes sooner than that work ends, the frame draws the rest. So the cost of a row
drawn for the first time is what decides that row once presses come fast.

The dashboard runs headless (120x40) on a copy of the cached 1M store. Each round reads
``rows`` inbox rows never drawn before (the next ones down the list) and draws them the
way drawing ahead does, timing each step per row, medians over the rounds, in us:

- ``pieces``: the row's line as styled pieces (``ConversationRow.pieces``);
- ``line``: ``VirtualList._strip`` for the same rows less ``pieces`` (which it calls):
  the pieces cut to the width, their styles resolved and turned by the line filters,
  merged, padded over the scrollbar's columns, kept;
- ``finish``: what is left to do to that line on its way to the screen;
- ``divide``: the line cut where the compositor cuts the screen;
- ``render``: each piece's terminal text.

Then ``whole``: all of it in one pass on other new rows, as drawing ahead runs it; and
``floor``: the same steps after ``line`` for the line of the floor list
(``bench/line_list_app.py``, one unstyled segment).

    python -m bench.row_draw [ROWS] [ROUNDS]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.segment import Segment
from textual.strip import Strip

from bench.common import median
from bench.dataset import cached_store, copy_store
from bench.inbox_bench import paused_config
from tui.widgets.virtual_list import Row, VirtualList


def _timed(samples: dict[str, list[float]], name: str, count: int, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    samples.setdefault(name, []).append((time.perf_counter() - started) / count * 1e6)
    return result


def _round(
    vl: VirtualList, rows: Sequence[Row], fresh: Sequence[Row], samples: dict[str, list[float]]
) -> None:
    width = vl.scrollable_content_region.width
    full = vl.content_region.width
    cuts = [width, full] if width != full else [full]
    console = vl.app.console
    count = len(rows)
    vl._strips.clear()
    vl._finished.clear()
    finish = vl._finisher()
    _timed(samples, "pieces", count, lambda: [row.pieces(width) for row in rows])  # type: ignore[attr-defined]
    started = time.perf_counter()
    strips = [vl._strip(row, width, False) for row in rows]
    line = (time.perf_counter() - started) / count * 1e6 - samples["pieces"][-1]
    samples.setdefault("line", []).append(line)
    finished = _timed(samples, "finish", count, lambda: [finish(strip) for strip in strips])
    divided = _timed(samples, "divide", count, lambda: [one.divide(cuts) for one in finished])

    def render() -> None:
        for pieces in divided:
            for piece in pieces:
                piece.render(console)

    _timed(samples, "render", count, render)

    def whole() -> None:
        draw = vl._finisher()
        for row in fresh:
            for piece in draw(vl._strip(row, width, False)).divide(cuts):
                piece.render(console)

    _timed(samples, "whole", len(fresh), whole)

    def floor() -> None:
        for index in range(count):
            text = f"Row {index:05d}  Customer {index:05d}  Do you still have sourdough?"
            line = Strip([Segment(text[:width].ljust(width), None)], width)
            for piece in draw(line).divide(cuts):
                piece.render(console)

    draw = vl._finisher()
    _timed(samples, "floor", count, floor)


async def _measure(rows_per_round: int, rounds: int) -> dict[str, list[float]]:
    from tui.cli import build_parser
    from tui.cli.dashboard import prepare_dashboard

    source = cached_store(1_000_000, 50_000)
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = copy_store(source, Path(tmp) / "data")
        config = paused_config(Path(tmp))
        args = build_parser().parse_args(["--config", str(config), "--data-dir", str(data)])
        prepared = await prepare_dashboard(args)
        app = prepared.app
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                vl: VirtualList | None = None
                for _ in range(600):
                    await pilot.pause(0.05)
                    found = list(app.screen.query(VirtualList))
                    if found and found[0].row_count > 2 * rows_per_round * (rounds + 1):
                        vl = found[0]
                        break
                if vl is None:
                    raise SystemExit("the inbox did not show its rows")
                wanted = 2 * rows_per_round * (rounds + 1)
                rows: list[Row] = []
                while len(rows) < wanted:
                    page = await vl.source.fetch(len(rows), 500)  # type: ignore[union-attr]
                    if not page:
                        raise SystemExit("the store has too few conversations")
                    rows += page
                for n in range(rounds + 1):
                    start = 2 * n * rows_per_round
                    one = rows[start : start + rows_per_round]
                    fresh = rows[start + rows_per_round : start + 2 * rows_per_round]
                    _round(vl, one, fresh, samples if n else {})  # the first round warms up
        finally:
            await prepared.opened.close()
    return samples


def main(argv: list[str]) -> None:
    rows = int(argv[0]) if argv else 500
    rounds = int(argv[1]) if len(argv) > 1 else 9
    samples = asyncio.run(_measure(rows, rounds))
    print(f"first drawing of an inbox row, {rows} new rows a round, {rounds} rounds (us/row):")
    for name, values in samples.items():
        print(f"  {name:9} median {median(values):6.1f}  min {min(values):6.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
