"""Strangers' text through ``linkdeck export`` and ``doctor``: to a terminal, a file, a pipe.

To a terminal (a real pty) every control and bidi character arrives as a visible marker;
to a file, JSON lines escape them all and CSV stays valid quoted CSV with one record per
message, whatever line breaks the texts hold.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.hostile import HOSTILE_NAMES, TERMINAL_ATTACKS
from tests.store.conftest import msg
from tui.cli import main
from tui.config.paths import database_path
from tui.domain.models import Platform
from tui.store import Store

ROOT = Path(__file__).resolve().parents[2]
BIDI = "PWN-BIDI \u202eevil.exe\u202c \u2066iso\u2069 \u200frlm \u061calm \u2028ls\u2029ps"
LINE_BREAKS = {
    "lone-cr": "first\rsecond",
    "cr-formula": 'ok\r=HYPERLINK("http://e.vil","x")',
    "lead-cr-formula": '\r=HYPERLINK("http://e.vil","x")',
    "lead-nl-formula": '\n\n=cmd|" /C calc"!A0',
    "unicode-breaks": "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg",
    "crlf": "one\r\ntwo",
}
# NUL-bearing texts are the quarantine's business (tests/store/test_quarantine.py).
TEXTS = {
    label: text
    for label, text in {**TERMINAL_ATTACKS, "bidi": BIDI, **LINE_BREAKS}.items()
    if "\x00" not in text
}
# What must never reach a terminal raw: ESC, C1 controls (as UTF-8), bidi and line separators.
RAW_CONTROLS = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def fill_hostile(data_dir: Path) -> int:
    messages = [
        msg(f"m{n}", text, minute=n, name=HOSTILE_NAMES[n % len(HOSTILE_NAMES)][:60])
        for n, text in enumerate(TEXTS.values())
    ]

    async def go() -> None:
        store = await Store.open(database_path(data_dir))
        try:
            await store.apply_batch("bakery", platform=Platform.MESSENGER, messages=messages)
        finally:
            await store.close()

    asyncio.run(go())
    return len(messages)


def run_in_pty(argv: list[str], timeout: float = 60.0) -> bytes:
    """Run ``python -m tui ARGV`` with stdout and stderr on a pseudo-terminal; its bytes."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", *argv],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                raise AssertionError("no output from the command in time")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        process.wait(timeout=timeout)
    return b"".join(chunks)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_to_a_terminal_shows_every_control_as_a_marker(tmp_path: Path, fmt: str) -> None:
    fill_hostile(tmp_path)
    out = run_in_pty(["--data-dir", str(tmp_path), "export", "--format", fmt])
    assert b"PWN-BIDI" in out and b"PWN-C1" in out, out[:2000]
    found = RAW_CONTROLS.findall(out.replace(b"\r\n", b"\n"))
    assert found == [], f"raw controls reached the terminal: {found[:10]}"
    if fmt == "csv":
        # The markers name what was there.
        assert "⟨ESC⟩]52;c;".encode() in out and "⟨RLO⟩".encode() in out


def test_jsonl_in_a_file_escapes_every_control_and_keeps_every_value(tmp_path: Path) -> None:
    count = fill_hostile(tmp_path)
    target = tmp_path / "out.jsonl"
    assert main(["--data-dir", str(tmp_path), "export", "-o", str(target)]) == 0
    raw = target.read_bytes()
    assert RAW_CONTROLS.findall(raw.replace(b"\n", b"")) == []
    rows = [json.loads(line) for line in raw.decode("utf-8").split("\n") if line]
    assert [r["text"] for r in rows] == list(TEXTS.values())
    assert len(rows) == count


def test_csv_in_a_file_has_one_record_per_message_and_no_formula(tmp_path: Path) -> None:
    count = fill_hostile(tmp_path)
    target = tmp_path / "out.csv"
    assert main(["--data-dir", str(tmp_path), "export", "--format", "csv", "-o", str(target)]) == 0
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count
    by_id = {row["message_id"]: row["text"] for row in rows}
    for n, (label, text) in enumerate(TEXTS.items()):
        cell = by_id[f"m{n}"]
        assert cell.lstrip("'") == text, label
        if label.startswith("lead"):
            assert cell.startswith("'"), label
    # Every cell is quoted: a line break never starts a new record outside quotes.
    assert all(line.startswith('"') for line in target.read_text(encoding="utf-8").split("\n")[:1])
    # One record per message through a second reader too (the JSON lines export).
    jsonl = io.StringIO()
    assert main(["--data-dir", str(tmp_path), "export", "-o", str(tmp_path / "o.jsonl")]) == 0
    jsonl.write((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    assert len(jsonl.getvalue().splitlines()) == len(rows)


def test_doctor_shows_hostile_config_key_names_as_markers(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[ui]\n"\\u001b]52;c;cHduZWQ=\\u0007PWN-KEY" = 1\n"\\u202eevil\\u009b2J" = 2\n',
        encoding="utf-8",
    )
    out = run_in_pty(["--config", str(config), "--data-dir", str(tmp_path / "d"), "doctor"])
    assert b"PWN-KEY" in out, out
    assert RAW_CONTROLS.findall(out.replace(b"\r\n", b"\n")) == [], out
    assert "⟨ESC⟩".encode() in out or b"\\x1b" in out


def test_an_export_to_a_file_says_on_the_terminal_how_far_it_is(tmp_path: Path) -> None:
    """stderr on a terminal, the records in a file: one line, drawn again in place, says
    how many of how many; the count exported replaces it. The file's name is typed by a
    person and still shown with its controls as markers."""
    count = fill_hostile(tmp_path)
    target = tmp_path / "ex\x1b[31mport.jsonl"
    shown = run_in_pty(["--data-dir", str(tmp_path), "export", "-o", str(target)]).decode()
    name = str(target).replace("\x1b", "⟨ESC⟩")
    assert f"\r\x1b[Klinkdeck: exporting {count} messages to {name}: 0 (0%)" in shown
    assert shown.rstrip().endswith(f"\r\x1b[Klinkdeck: exported {count} rows to {name}")
    assert "\x1b[31m" not in shown
    assert len(target.read_text(encoding="utf-8").splitlines()) == count
