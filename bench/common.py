"""Shared pieces of the benchmarks: the machine label, results, percentiles, memory."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
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


@dataclass
class Result:
    """One row of the results table."""

    name: str
    goal: str
    measured: str
    ratio: str
    met: bool | None
    """``None`` when the row has no goal of its own (a baseline, a reference)."""

    def line(self) -> str:
        verdict = {True: "met", False: "MISSED", None: "-"}[self.met]
        return f"{self.name}: {self.measured} | ratio {self.ratio} | goal {self.goal} | {verdict}"


def markdown_table(results: list[Result]) -> str:
    rows = ["| benchmark | goal | measured | ratio | met? |", "|---|---|---|---|---|"]
    for r in results:
        verdict = {True: "yes", False: "**no**", None: "-"}[r.met]
        rows.append(f"| {r.name} | {r.goal} | {r.measured} | {r.ratio} | {verdict} |")
    return "\n".join(rows)
