"""``linkdeck doctor`` and ``linkdeck link``, against the simulator on a loopback socket."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tui.cli.doctor import run_doctor
from tui.config.secrets import read_secrets
from tui.services.doctor import diagnose
from tui.services.linking import Prompter, link_in_terminal
from tui.services.signin import LinkPlatform
from tui.simulator.testing import loopback_simulator


async def test_doctor_passes_a_healthy_setup(tmp_path: Path) -> None:
    async with loopback_simulator() as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        report = await diagnose(config, tmp_path / "data")
    assert report.problems == []
    assert sum("token valid" in line for line in report.ok) == 3


async def test_doctor_names_a_revoked_token_and_what_to_do(tmp_path: Path) -> None:
    async with loopback_simulator() as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        async with httpx.AsyncClient(base_url=base_url) as control:
            token = sim.world.tokens["ig_login"]
            response = await control.post(f"/_sim/tokens/{token}", json={"revoke": 460})
            assert response.status_code == 200
        report = await diagnose(config, tmp_path / "data")
        args = argparse.Namespace(config=config, data_dir=tmp_path / "data")
        code = await asyncio.to_thread(run_doctor, args)
    assert code == 1
    [line] = report.problems
    assert "demo-iglogin" in line and "password changed" in line
    assert "linkdeck link instagram-login" in line
    assert token not in line


def test_doctor_refuses_a_secrets_file_others_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.simulator import Simulator

    config = Simulator().write_config(tmp_path / "cfg", "http://127.0.0.1:9")
    os.chmod(tmp_path / "cfg" / "secrets.toml", 0o644)
    code = run_doctor(argparse.Namespace(config=config, data_dir=tmp_path / "data"))
    out = capsys.readouterr().out
    assert code == 1
    assert "chmod 600" in out and "mode 0644" in out
    assert "EAA" not in out and "IGAA" not in out


def test_doctor_points_at_the_broken_line_of_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ui]\ntheme = "linkdeck-dark"\npoll_seconds = = 3\n')
    code = run_doctor(argparse.Namespace(config=config, data_dir=tmp_path / "data"))
    out = capsys.readouterr().out
    assert code == 1
    assert f"{config}:3" in out and "fix it in" in out


def scripted(answers: list[str]) -> Iterator[str]:
    yield from answers
    raise AssertionError("the prompts asked more than the script answers")


async def test_link_in_terminal_with_a_pasted_instagram_login_token(tmp_path: Path) -> None:
    async with loopback_simulator() as (sim, base_url):
        config = tmp_path / "cfg" / "config.toml"
        config.parent.mkdir()
        config.write_text("# mine\n[ui]\npoll_seconds = 30\n")
        answers = scripted(["1", "", "n", "y", "2", "y", "studio", "y"])
        secrets = scripted([sim.world.tokens["ig_short"]])
        prompter = Prompter(lambda _: next(answers), lambda _: next(secrets))
        env = {"LINKDECK_GRAPH_URL": base_url}
        code = await link_in_terminal(
            LinkPlatform.INSTAGRAM_LOGIN, config, tmp_path / "data", prompter=prompter, environ=env
        )
        assert code == 0
        text = config.read_text()
        assert text.startswith("# mine\n") and 'id = "studio"' in text
        assert f'graph_url = "{base_url}/instagram"' in text
        assert "send_read_receipts = false" in text and "backfill_days = 7" in text
        token = read_secrets(config.parent / "secrets.toml")["studio"]
        assert token != sim.world.tokens["ig_short"]  # exchanged for a long-lived one
        assert token not in text
        report = await diagnose(config, tmp_path / "data")
        assert report.problems == []


async def test_link_in_terminal_with_device_login(tmp_path: Path) -> None:
    async with loopback_simulator() as (sim, base_url):
        config = tmp_path / "cfg" / "config.toml"
        answers = scripted(["4", "1", "", "", "", "", "", ""])  # 4: device login (simulator)
        prompter = Prompter(lambda _: next(answers), lambda _: "")

        async def phone(seconds: float) -> None:
            # The user approves on their phone while the terminal waits.
            from tui.simulator.device import book

            [login] = book(sim).logins.values()
            if login.approved is None:
                async with httpx.AsyncClient(base_url=base_url) as control:
                    await control.post(f"/_sim/device/{login.user_code}", json={"approve": True})

        code = await link_in_terminal(
            LinkPlatform.MESSENGER,
            config,
            tmp_path / "data",
            prompter=prompter,
            environ={"LINKDECK_GRAPH_URL": base_url},
            sleep=phone,
        )
        assert code == 0
        assert 'id = "le-petit-four-bakery"' in config.read_text()
        secret = read_secrets(config.parent / "secrets.toml")["le-petit-four-bakery"]
        assert secret == sim.world.tokens["page"]


async def test_declining_fewer_features_saves_nothing(tmp_path: Path) -> None:
    async with loopback_simulator() as (sim, base_url):
        async with httpx.AsyncClient(base_url=base_url) as control:
            token = sim.world.tokens["page"]
            await control.post(f"/_sim/tokens/{token}", json={"scopes": ["pages_show_list"]})
        config = tmp_path / "cfg" / "config.toml"
        answers = scripted(["2", "", "n"])
        prompter = Prompter(lambda _: next(answers), lambda _: token)
        code = await link_in_terminal(
            LinkPlatform.MESSENGER,
            config,
            tmp_path / "data",
            prompter=prompter,
            environ={"LINKDECK_GRAPH_URL": base_url},
        )
    assert code == 1
    assert not config.exists() or "accounts" not in config.read_text()
    assert not (config.parent / "secrets.toml").exists()
