"""The suite passes in any order (a test that changes logging does not leak into the next),
and the test command spreads it over the cores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def test_a_logging_test_does_not_make_httpx_log_full_urls_in_a_later_test() -> None:
    # This order once failed: the redaction test left the root logger at DEBUG, so httpx
    # logged "GET https://.../me?fields=..." at INFO inside the Graph client's test.
    first = "tests/config/test_config_redact.py::test_a_resolved_token_never_reaches_the_logs"
    second = "tests/adapters/test_graph.py::test_requests_are_logged_with_method_and_path_only"
    result = subprocess.run(
        [*PYTEST, "-q", "-p", "no:randomly", first, second],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 passed" in result.stdout


def test_the_suite_runs_in_random_order() -> None:
    # pytest-randomly shuffles every run (CI included); a fixed order hides dependencies.
    result = subprocess.run(
        [*PYTEST, "--co", "tests/unit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Using --randomly-seed=" in result.stdout + result.stderr


def test_the_test_command_runs_a_worker_per_core_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `python3 tasks.py test` (the README's command, and CI's) spreads the suite over the
    # cores; a developer's own -n, or pytest-xdist switched off, wins.
    sys.path.insert(0, str(ROOT))
    try:
        import tasks
    finally:
        sys.path.remove(str(ROOT))
    monkeypatch.setattr(tasks.os, "cpu_count", lambda: 2)
    assert tasks.parallel(["-q", "tests/store"]) == ["-n", "2", "--dist", "loadgroup"]
    monkeypatch.setattr(tasks.os, "cpu_count", lambda: 64)
    assert tasks.parallel([]) == ["-n", "4", "--dist", "loadgroup"]
    monkeypatch.setattr(tasks.os, "cpu_count", lambda: 1)
    assert tasks.parallel([]) == []
    monkeypatch.setattr(tasks.os, "cpu_count", lambda: 2)
    for chosen in (["-n", "0"], ["-n0"], ["--numprocesses=3"], ["-p", "no:xdist"]):
        assert tasks.parallel(chosen) == [], chosen
