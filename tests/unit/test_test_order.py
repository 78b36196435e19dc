"""The suite passes in any order: a test that changes logging does not leak into the next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
