"""A config.toml that does not parse is said above the inbox, with file, line and column,
while the store's conversations still show; nothing syncs and the file is never rewritten
(issue 12 item 6)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready, visible_text
from tests.ux.conftest import build_rig
from tui.cli.dashboard import prepare_dashboard
from tui.widgets.config_error import ConfigErrorPanel

BROKEN_LINE = 'theme = = "[bold red]x"\n'


async def _broken_folder(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A real store synced from the simulator, then its config.toml broken on line 3."""
    rig = await build_rig(tmp_path)
    config = rig.runtime.prefs_file.path
    await rig.runtime.close()
    lines = config.read_text().splitlines(keepends=True)
    broken = "".join(lines[:2]) + BROKEN_LINE + "".join(lines[2:])
    config.write_text(broken)
    return config, tmp_path / "data", broken.encode()


def _args(config: Path, data_dir: Path) -> argparse.Namespace:
    return argparse.Namespace(config=config, data_dir=data_dir, demo=False)


def _panel_text(panel: ConfigErrorPanel) -> str:
    return str(panel.render())


async def test_broken_config_keeps_the_inbox_and_says_where(tmp_path: Path) -> None:
    config, data, before = await _broken_folder(tmp_path)
    prepared = await prepare_dashboard(_args(config, data))
    app = prepared.app
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            rows = "\n".join(visible_text(pilot))
            assert "Ana Souza" in rows  # what the store holds still shows
            assert "No account linked" not in str(app.screen.query_one("#inbox").render())
            panel = app.screen.query_one(ConfigErrorPanel)
            text = _panel_text(panel)
            assert f"{config}:3:9" in text
            assert "Unexpected character" in text
            assert "nothing syncs" in text
            # The panel sits above the list, not in a passing toast.
            assert panel.region.y < app.screen.query_one("#inbox-list").region.y
            # A preference change is refused; the broken file stays byte for byte.
            await pilot.press("ctrl+d")
            await wait_until(pilot, lambda: bool(app._notifications))
            assert config.read_bytes() == before
            assert prepared.app.run_service is None  # no sync against a broken file
    finally:
        await prepared.close()


async def test_the_notice_follows_the_file_as_it_is_fixed(tmp_path: Path) -> None:
    config, data, before = await _broken_folder(tmp_path)
    prepared = await prepare_dashboard(_args(config, data))
    app = prepared.app
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(pilot)
            panel = app.screen.query_one(ConfigErrorPanel)
            assert ":3:9" in _panel_text(panel)
            config.write_bytes(before.replace(BROKEN_LINE.encode(), b""))
            await wait_until(pilot, lambda: "reads cleanly now" in _panel_text(panel))
    finally:
        await prepared.close()


async def test_markup_in_the_quoted_file_stays_text(tmp_path: Path) -> None:
    config, data, _ = await _broken_folder(tmp_path)
    config.write_bytes(b'ui = 1\n"[bold red]k\x1b[31m" = \n')
    prepared = await prepare_dashboard(_args(config, data))
    app = prepared.app
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            text = _panel_text(app.screen.query_one(ConfigErrorPanel))
            assert f"{config}:2:" in text
            assert "\x1b" not in text
    finally:
        await prepared.close()


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_serve_and_sync_once_refuse_a_broken_file(tmp_path: Path) -> None:
    config, data, before = await _broken_folder(tmp_path)
    for argv in (("serve", "--once"), ("sync", "--once"), ("serve",)):
        done = _run("--config", str(config), "--data-dir", str(data), *argv)
        assert done.returncode == 2, done.stderr
        assert f"{config}:3:9" in done.stderr
        assert "Unexpected character" in done.stderr
        assert "Traceback" not in done.stderr
        assert "no usable account" not in done.stderr
        assert config.read_bytes() == before
