"""The documented first steps: simulate on loopback, sync once, export what was stored."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LINKDECK = [sys.executable, "-m", "tui"]


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    config_dir = tmp_path / "cfg"
    proc = subprocess.Popen(
        [*LINKDECK, "simulate", "--port", "0", "--write-config", str(config_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert match, f"simulate printed {line!r}"
    try:
        yield match.group(0), config_dir / "config.toml"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(5)


def test_simulate_then_sync_once_then_export(simulator: tuple[str, Path], tmp_path: Path) -> None:
    _url, config = simulator
    data = tmp_path / "data"
    sync = subprocess.run(
        [*LINKDECK, "sync", "--once", "--config", str(config), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sync.returncode == 0, sync.stderr
    token = (config.parent / "secrets.toml").read_text()
    for secret in re.findall(r'"([A-Za-z0-9]{20,})"', token):
        assert secret not in sync.stderr, "a token reached the log"
    export = subprocess.run(
        [*LINKDECK, "export", "--data-dir", str(data), "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert {r["account"] for r in rows} == {"demo-page", "demo-ig", "demo-iglogin"}
    assert len(rows) > 100
    assert len({(r["account"], r["message_id"]) for r in rows}) == len(rows), "no duplicates"


def _has_messages(database: Path) -> bool:
    if not database.exists():
        return False
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is not None
        finally:
            db.close()
    except sqlite3.Error:
        return False


def test_sync_stops_within_two_seconds_on_sigterm(
    simulator: tuple[str, Path], tmp_path: Path
) -> None:
    _url, config = simulator
    proc = subprocess.Popen(
        [*LINKDECK, "sync", "--config", str(config), "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    # Signal it once it is syncing (its signal handlers are installed by then): a fixed
    # sleep would, on a loaded machine, signal a process still importing its modules.
    database = tmp_path / "d" / "linkdeck.db"
    deadline = time.monotonic() + 60
    while not _has_messages(database):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the sync never stored anything"
        time.sleep(0.05)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(5)
    assert time.monotonic() - started < 2.0
    assert proc.returncode == 0


def test_sync_without_accounts_says_how_to_link(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *LINKDECK,
            "sync",
            "--once",
            "--config",
            str(tmp_path / "none.toml"),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "linkdeck link" in result.stderr and "--demo" in result.stderr


def test_sync_is_an_alias_of_serve_and_says_so_once(
    simulator: tuple[str, Path], tmp_path: Path
) -> None:
    _url, config = simulator
    data = ["--config", str(config), "--data-dir", str(tmp_path / "d")]
    alias = subprocess.run(
        [*LINKDECK, "sync", "--once", *data], capture_output=True, text=True, timeout=120
    )
    assert alias.returncode == 0, alias.stderr
    assert alias.stderr.count("'sync' is now called 'serve'") == 1
    served = subprocess.run(
        [*LINKDECK, "serve", "--once", *data], capture_output=True, text=True, timeout=120
    )
    assert served.returncode == 0, served.stderr
    assert "is now called" not in served.stderr


def test_every_hint_simulate_prints_is_safe_to_follow_as_printed(tmp_path: Path) -> None:
    """Following the printed hints word for word never touches the user's real store."""
    config_dir = tmp_path / "cfg"
    real = tmp_path / "real-home"
    env = {
        **os.environ,
        "HOME": str(real),
        "XDG_DATA_HOME": str(real / "data"),
        "XDG_CONFIG_HOME": str(real / "config"),
    }
    proc = subprocess.Popen(
        [*LINKDECK, "simulate", "--port", "0", "--write-config", str(config_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    try:
        line = ""
        while not line.startswith("try: "):
            line = proc.stdout.readline()
            assert line, "simulate stopped before printing its hint"
        outputs = []
        for hint in line.removeprefix("try: ").split("&&"):
            words = shlex.split(hint)
            assert words[0] == "linkdeck", hint
            done = subprocess.run(
                [*LINKDECK, *words[1:]], capture_output=True, text=True, timeout=60, env=env
            )
            assert done.returncode == 0, (hint, done.stderr)
            outputs.append(done.stdout)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(5)
    assert not real.exists() or not any(real.rglob("*.db")), "a hint wrote to the real store"
    assert any(config_dir.rglob("*.db")), "the hint's data folder sits beside the config"
    assert len(outputs) == 2 and len(outputs[1].splitlines()) > 100, "export reads what sync stored"
