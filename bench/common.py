"""Shared pieces of the benchmarks: the machine label, results, percentiles, memory."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_VERSION = 1
"""Bump when the generated 1M store's shape changes: the cache under /tmp is keyed by it."""


def machine() -> str:
    """CPU model, core count and Python version, to label every absolute number."""
    model = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores, Python {platform.python_version()}"


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank); 0.0 for an empty list."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS), 0.0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load() -> str:
    """The 1-minute load average, written beside every number (the machine is shared)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


@dataclass
class Result:
    """One row of the results table."""

    name: str
    goal: str
    measured: str
    ratio: str
    met: bool | None
    """``None`` when the row has no goal of its own (a baseline, a reference)."""
    floor: str = ""
    """The floor program measured in the same run and its number (what the ratio divides by)."""
    load: str = field(default_factory=load)
    """Load average when the row was measured."""

    def line(self) -> str:
        verdict = {True: "met", False: "MISSED", None: "-"}[self.met]
        floor = f" | floor {self.floor}" if self.floor else ""
        return (
            f"{self.name}: {self.measured}{floor} | ratio {self.ratio} | goal {self.goal} "
            f"| {verdict} (load {self.load})"
        )


def markdown_table(results: list[Result]) -> str:
    rows = [
        "| benchmark | goal | floor (same run) | measured | ratio | met? | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        verdict = {True: "yes", False: "**no**", None: "-"}[r.met]
        rows.append(
            f"| {r.name} | {r.goal} | {r.floor or '-'} | {r.measured} | {r.ratio} | {verdict} "
            f"| {r.load} |"
        )
    return "\n".join(rows)


def ratio_rounds(
    ours: Callable[[], float], floor: Callable[[], float], rounds: int
) -> tuple[list[float], list[float]]:
    """Both measurements, alternating (floor first), ``rounds`` times each."""
    mine: list[float] = []
    base: list[float] = []
    for _ in range(rounds):
        base.append(floor())
        mine.append(ours())
    return mine, base
