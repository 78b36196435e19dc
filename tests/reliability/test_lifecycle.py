"""Signals, a second instance and a corrupt database, all through the real command line."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    LINKDECK,
    ROOT,
    LoopbackSim,
    cli,
    integrity,
    message_count,
    spawn,
    stored_ids,
)
from tests.reliability.tmux import Tmux


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_during_sync_exits_within_two_seconds_and_leaves_a_sound_database(
    loopback: Callable[..., LoopbackSim], tmp_path: Path, signum: signal.Signals
) -> None:
    rig = loopback(seed=8, conversations_per_account=60, messages_per_conversation=40)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    database = tmp_path / "data" / "linkdeck.db"
    proc = spawn("sync", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    try:
        # Signal it in the middle of the first sync, while batches are being committed.
        wait_until(lambda: message_count(database) > 0, 30, "the first stored messages")
        assert message_count(database) < len(rig.remote_ids()), "sync ended before the signal"
        started = time.monotonic()
        proc.send_signal(signum)
        proc.wait(10)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert elapsed < 2.0, f"took {elapsed:.2f} s to stop"
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert integrity(database) == ("ok", "ok")


def test_a_stop_signal_while_the_service_opens_ends_it_cleanly(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    """The data folder's lock is the first thing a service takes; a stop signal from then
    on (``systemctl stop`` right after a start) ends it cleanly, not half-opened."""
    rig = loopback(seed=10)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    data = tmp_path / "data"
    proc = spawn("serve", "--config", str(config), "--data-dir", str(data))
    try:
        wait_until(lambda: (data / "linkdeck.lock").exists(), 30, "the lock")
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert integrity(data / "linkdeck.db") == ("ok", "ok")


def test_a_second_sync_on_the_same_data_dir_exits_with_a_clear_message(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=9)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    data = tmp_path / "data"
    first = spawn("sync", "--config", str(config), "--data-dir", str(data))
    try:
        wait_until(lambda: (data / "linkdeck.lock").exists(), 30, "the first instance's lock")
        second = cli("sync", "--once", "--config", str(config), "--data-dir", str(data))
        assert first.poll() is None, "the first instance must keep running"
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(10)
    assert second.returncode == 3
    assert "already using" in second.stderr and str(data) in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0


def test_a_dashboard_on_a_running_service_attaches_to_it_and_leaves_it_running(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    """The first-version answer ("another Linkdeck is already using ...") is gone: a
    dashboard started beside `linkdeck sync` attaches to that service, says so in its
    header, and quitting it leaves the service running."""
    rig = loopback(seed=9)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    data = tmp_path / "data"
    first = spawn("sync", "--config", str(config), "--data-dir", str(data))
    tmux = Tmux([*LINKDECK, "--config", str(config), "--data-dir", str(data)], cwd=ROOT)
    try:
        wait_until(lambda: (data / "linkdeck.lock").exists(), 30, "the first instance's lock")
        tmux.start()
        screen = tmux.wait_for(f"service {first.pid} since", timeout=30)
        assert "already using" not in screen and "Traceback" not in screen
        tmux.wait_for(" conversations", timeout=30)
        tmux.keys("C-q", pause=0.5)
        assert tmux.wait_dead() == "0", tmux.screen()
        assert first.poll() is None, "the service must keep running after the dashboard quits"
    finally:
        tmux.kill()
        first.send_signal(signal.SIGTERM)
        first.wait(10)
    assert first.returncode == 0


def test_a_corrupt_database_is_moved_aside_and_synced_again_by_the_cli(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=10)
    config = rig.write_config(tmp_path / "cfg")
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 64  # a header, then noise
    (data / "linkdeck.db").write_bytes(garbage)
    result = cli("sync", "--once", "--config", str(config), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "moved aside" in result.stderr and "Traceback" not in result.stderr
    (aside,) = data.glob("linkdeck.db.corrupt-*")
    assert aside.read_bytes() == garbage, "the unreadable file must be kept for the user"
    stored = {key for key in stored_ids(data / "linkdeck.db") if ":reaction:" not in key[1]}
    assert stored == rig.remote_ids()
    assert integrity(data / "linkdeck.db") == ("ok", "ok")
