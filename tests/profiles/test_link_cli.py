"""`linkdeck link` run without a terminal to answer it: a plain sentence, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("platform", ["messenger", "matrix"])
def test_link_with_closed_input_says_so_and_links_nothing(tmp_path: Path, platform: str) -> None:
    config = tmp_path / "config.toml"
    argv = ["link", platform, "--config", str(config), "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(
        [sys.executable, "-m", "tui", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and "EOFError" not in out, out
    assert "the input ended before every question was answered; nothing was linked" in out
    assert not config.exists() or "[[accounts]]" not in config.read_text()
