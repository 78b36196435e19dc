"""`linkdeck export --account nosuch` says so and fails, instead of printing nothing (item 20)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ux.conftest import Rig

LINKDECK = [sys.executable, "-m", "tui"]


async def test_export_of_an_unknown_account_fails_with_the_reason(rig: Rig) -> None:
    data = rig.tmp / "data"
    assert any(Path(data).glob("*.db"))
    await rig.runtime.store.checkpoint()
    ok = subprocess.run(
        [*LINKDECK, "export", "--data-dir", str(data), "--account", rig.fb],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and ok.stdout.strip(), ok.stderr
    bad = subprocess.run(
        [*LINKDECK, "export", "--data-dir", str(data), "--account", "nosuch"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0
    assert "nosuch" in bad.stderr and rig.fb in bad.stderr
    assert bad.stdout == ""
