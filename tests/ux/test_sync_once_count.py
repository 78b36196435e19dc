"""``sync --once`` says how many messages it stored, and export lists exactly that many
(item 20: it said 109 where export held 115: older history the backfill brought in after the
poll was stored but not counted)."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

from tests.services.test_cli_sync import LINKDECK, simulator

__all__ = ["simulator"]

COUNT = re.compile(r"(\S+): (\d+) new messages? stored \((\d+) from older history\)")


def test_sync_once_count_matches_export(simulator: tuple[str, Path], tmp_path: Path) -> None:
    _url, config = simulator
    data = tmp_path / "data"
    sync = subprocess.run(
        [*LINKDECK, "sync", "--once", "--config", str(config), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sync.returncode == 0, sync.stderr
    said = {m.group(1): int(m.group(2)) for m in COUNT.finditer(sync.stderr)}
    older = {m.group(1): int(m.group(3)) for m in COUNT.finditer(sync.stderr)}
    export = subprocess.run(
        [*LINKDECK, "export", "--config", str(config), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    held = Counter(json.loads(line)["account"] for line in export.stdout.splitlines())
    assert said == dict(held), sync.stderr
    assert any(older.values()), "the seeded Instagram threads reach past the first page"
