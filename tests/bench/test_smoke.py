"""Every benchmark runs at a tiny size and prints its line (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [
    "start-up to first paint",
    "inbox first paint",
    "inbox key-to-frame, j",
    "inbox key-to-frame, pagedown",
    "inbox resident memory",
    "ingest with the index current",
    "ingest: the store's Python layer",
    "Store.search rare word",
    "search screen rare word",
    "Store.search common word",
    "search screen common word",
    "Store.search two words",
    "search screen two words",
    "Store.search phrase",
    "search screen phrase",
    "polling: requests per idle cycle per account",
    "polling: 10 new messages in 3 conversations",
    "polling: message injected -> row on screen",
    "webhooks: event -> row on screen",
    "webhooks: events stored per second",
    "webhooks: calls per simulated day",
    "matrix: bare /sync client, send to seen",
    "matrix: send to stored + inbox event",
    "matrix: initial sync",
    "start-up to first paint, attaching to a running service",
    "service event to row redrawn in two attached dashboards",
    "live event -> inbox redrawn",
]
WITH_FLOOR = ("inbox", "ingest", "Store.search", "search screen")
"""Rows whose ratio divides by a floor measured in the same run: the line names it."""


def test_every_benchmark_runs_at_smoke_size(tmp_path: Path) -> None:
    markdown = tmp_path / "table.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--markdown", str(markdown)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "FAILED" not in result.stdout
    assert result.stdout.startswith("machine: ") and "cores, Python 3." in result.stdout
    lines = result.stdout.splitlines()
    for name in EXPECTED:
        found = [line for line in lines if line.strip().startswith(name) and "| ratio " in line]
        assert found, f"no result line for {name!r} in:\n{result.stdout}"
        if name.startswith(WITH_FLOOR):
            assert "| floor " in found[0], found[0]
    table = markdown.read_text()
    assert table.count("\n| ") == len(EXPECTED) + 1  # header row plus one row each
