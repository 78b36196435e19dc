"""Every number in config.toml has a range, named with its key when a value is outside it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tui.config import load_prefs
from tui.simulator.testing import loopback_simulator

ROOT = Path(__file__).resolve().parents[2]

HUGE = """
[ui]
poll_seconds = nan

[notifications]
flood_seconds = 9223372036854775807
account_failing_minutes = -5

[privacy.demo-page]
backfill_days = 1000000000000
history_days = 1000000000000000

[webhooks]
engaged_users = 9223372036854775807
budget_share = inf
"""


def test_out_of_range_numbers_fall_back_with_the_key_and_range_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(HUGE, encoding="utf-8")
    prefs, problems = load_prefs(config)
    text = {p.key: str(p) for p in problems}
    for key, allowed in {
        "ui.poll_seconds": "seconds",
        "notifications.flood_seconds": "0 to 86400",
        "notifications.account_failing_minutes": "minutes from",
        "privacy.demo-page.backfill_days": "0 to 3650",
        "privacy.demo-page.history_days": "1 to 36500",
        "webhooks.engaged_users": "0 to 1000000000",
        "webhooks.budget_share": "at most 1",
    }.items():
        assert key in text, f"{key} not reported: {sorted(text)}"
        assert allowed in text[key], text[key]
        assert ":" in text[key].split(key)[0], "the file and line are named"
    assert prefs.notifications.flood_seconds == 60
    assert prefs.privacy_for("demo-page").backfill_days == 30


def test_sync_once_survives_absurd_days_and_says_which_key(tmp_path: Path) -> None:
    async def run() -> subprocess.CompletedProcess[str]:
        async with loopback_simulator(seed=3) as (sim, base_url):
            config = sim.write_config(tmp_path / "cfg", base_url)
            config.write_text(
                config.read_text()
                + "\n[privacy.demo-page]\nbackfill_days = 1000000000000\n"
                + "\n[notifications]\nflood_seconds = 9223372036854775807\n"
            )
            return await asyncio.to_thread(
                subprocess.run,
                [
                    sys.executable,
                    "-m",
                    "tui",
                    "sync",
                    "--once",
                    "--config",
                    str(config),
                    "--data-dir",
                    str(tmp_path / "data"),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=120,
            )

    done = asyncio.run(run())
    assert done.returncode == 0, done.stderr[-2000:]
    assert "backfill_days" in done.stderr and "3650" in done.stderr
    assert "Traceback" not in done.stderr
