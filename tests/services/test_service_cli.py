"""``linkdeck service install|status`` as a user runs them, in temp XDG folders."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tui.simulator.testing import loopback_simulator

SCRIPT = Path(sys.executable).with_name("linkdeck")


def run(argv: list[str], xdg: Path, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(xdg)}
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)


def test_install_writes_a_user_unit_for_this_linkdeck_and_these_folders(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    config, data = tmp_path / "cfg" / "config.toml", tmp_path / "my data"
    result = run(
        [str(SCRIPT), "service", "install", "--config", str(config), "--data-dir", str(data)], xdg
    )
    assert result.returncode == 0, result.stderr
    unit = xdg / "systemd" / "user" / "linkdeck.service"
    text = unit.read_text()
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert exec_start.startswith(f"ExecStart={SCRIPT} ")
    assert f"--config {config}" in exec_start
    assert f'--data-dir "{data}"' in exec_start, "a path with a space is quoted for systemd"
    assert "Restart=on-failure" in text and "WantedBy=default.target" in text
    assert (
        "systemctl --user daemon-reload && systemctl --user enable --now linkdeck" in result.stdout
    )
    assert "loginctl enable-linger" in result.stdout


def test_install_never_overwrites_a_different_unit_without_force(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    base = [str(SCRIPT), "service", "install", "--config", str(tmp_path / "c.toml")]
    assert run([*base, "--data-dir", str(tmp_path / "a")], xdg).returncode == 0
    unit = xdg / "systemd" / "user" / "linkdeck.service"
    first = unit.read_text()
    again = run([*base, "--data-dir", str(tmp_path / "a")], xdg)
    assert again.returncode == 0 and "already installed" in again.stdout
    other = run([*base, "--data-dir", str(tmp_path / "b")], xdg)
    assert other.returncode == 1
    assert "--force" in other.stderr and unit.read_text() == first
    forced = run([*base, "--data-dir", str(tmp_path / "b"), "--force"], xdg)
    assert forced.returncode == 0 and str(tmp_path / "b") in unit.read_text()


def test_install_from_python_m_tui_starts_the_same_python(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    argv = [sys.executable, "-m", "tui", "service", "install", "--data-dir", str(tmp_path / "d")]
    assert run(argv, xdg).returncode == 0
    text = (xdg / "systemd" / "user" / "linkdeck.service").read_text()
    assert f"ExecStart={sys.executable} -m tui " in text


def test_status_with_no_service(tmp_path: Path) -> None:
    result = run(
        [
            str(SCRIPT),
            "service",
            "status",
            "--config",
            str(tmp_path / "none.toml"),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        tmp_path / "xdg",
    )
    assert result.returncode == 3
    assert "Service: not running" in result.stdout
    assert "systemd unit: not installed" in result.stdout


async def test_status_names_the_running_service_and_each_accounts_last_error(
    tmp_path: Path,
) -> None:
    async with loopback_simulator(seed=5) as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        token = sim.world.tokens["ig_login"]
        async with httpx.AsyncClient(base_url=base_url) as control:
            response = await control.post(f"/_sim/tokens/{token}", json={"revoke": 460})
            assert response.status_code == 200
        data = tmp_path / "data"
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "sync", "--config", str(config), "--data-dir", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        status_argv = [
            str(SCRIPT),
            "service",
            "status",
            "--config",
            str(config),
            "--data-dir",
            str(data),
        ]
        try:
            deadline = time.monotonic() + 90
            while True:
                result = await asyncio.to_thread(run, status_argv, tmp_path / "xdg")
                if "demo-iglogin" in result.stdout and "last error" in result.stdout:
                    break
                assert time.monotonic() < deadline, result.stdout + result.stderr
                await asyncio.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
    assert result.returncode == 0
    assert f"Service: running (pid {proc.pid}, since " in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "Token" in lines["demo-iglogin"] and "re-authentication" in lines["demo-iglogin"]
    assert "no error logged" in lines["demo-page"]
    assert token not in result.stdout
    stopped = run(status_argv, tmp_path / "xdg")
    assert stopped.returncode == 3 and "not running" in stopped.stdout
