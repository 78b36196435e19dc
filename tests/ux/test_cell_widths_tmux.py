"""Rows with Devanagari, emoji + VS16, ZWJ families and combining accents keep the time column
in place in a real terminal (issue 12 item 19): the dashboard runs in tmux (80 columns: a
detached tmux server keeps its default size) on a loopback simulator and the pane is read back
with ``tmux capture-pane``."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT, LoopbackSim, loopback
from tests.reliability.tmux import Tmux
from tui.domain.safetext import cell_safe, sanitize

__all__ = ["loopback"]

HARD_TEXTS = {
    "W1": "नमस्ते दुनिया",
    "W2": "❤️❤️",
    "W3": "👩\u200d👩\u200d👧",
    "W4": "e\u0301",
}
TIME_AT_END = re.compile(r"\s(now|\d+[mhd]|[A-Z][a-z]{2} \d+|\d{4}-\d\d-\d\d)$")


def test_cell_safe_keeps_only_what_terminals_measure_alike() -> None:
    assert cell_safe("❤️❤️") == "❤❤"
    assert cell_safe("👩\u200d👩\u200d👧") == "👩👩👧"
    assert cell_safe("👍\U0001f3fd") == "👍"
    assert cell_safe("e\u0301") == "é"
    # Spacing vowel signs (Mc) go; consonants, virama and non-spacing signs stay.
    assert cell_safe("नमस्ते दुनिया") == "नमस्ते दुनय"
    assert cell_safe("plain ascii") == "plain ascii"
    assert sanitize("❤️ नि", single_line=True) == "❤ न"
    assert sanitize("❤️ नि") == "❤️ नि", "multi-line text (the conversation view) keeps it all"


def _terminal_columns() -> Callable[[str], int]:
    """How many cells tmux gives a captured line: it measures with the C library's wcwidth."""
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    name = ctypes.util.find_library("c")
    if name is None:
        pytest.skip("no C library to measure character widths the way tmux does")
    libc = ctypes.CDLL(name)
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    libc.wcwidth.restype = ctypes.c_int

    def columns(text: str) -> int:
        return sum(max(libc.wcwidth(char), 0) for char in text)

    return columns


def test_time_column_stays_put_in_tmux(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it): this test needs a terminal")
    columns = _terminal_columns()
    rig = loopback(seed=11, conversations_per_account=3)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    command = [sys.executable, "-m", "tui", "--config", str(config)]
    tmux = Tmux([*command, "--data-dir", str(tmp_path / "data")], cwd=ROOT, size=(120, 40))
    try:
        tmux.start()
        tmux.wait_for(" conversations", timeout=60)
        for tag, text in HARD_TEXTS.items():
            rig.post(
                "/_sim/inbound",
                {"account": "demo-page", "name": f"{tag} {text}", "text": f"{text} {text} ok"},
            )
        deadline = time.monotonic() + 60
        while True:
            screen = tmux.screen()
            rows = [line for line in screen.splitlines() if line[1:3] in ("FB", "IG")]
            ours = [line for line in rows if any(f"{tag} " in line for tag in HARD_TEXTS)]
            if len(ours) == len(HARD_TEXTS) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(ours) == len(HARD_TEXTS), screen
        time.sleep(1.0)  # a redraw or two (ages tick, syncs land) must not disturb them
        screen = tmux.screen()
        rows = [line.rstrip() for line in screen.splitlines() if line[1:3] in ("FB", "IG")]
        assert len(rows) > len(HARD_TEXTS), screen
        for line in rows:
            assert TIME_AT_END.search(line), f"the time is not the last thing on:\n{line}"
        ends = {columns(line) for line in rows}
        assert len(ends) == 1, "time column moved:\n" + "\n".join(
            f"{columns(line):4} {line}" for line in rows
        )
    finally:
        tmux.kill()
