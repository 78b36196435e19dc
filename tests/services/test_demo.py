"""Demo mode cleans up after itself, even after a kill."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from tui.services.demo import SCRATCH_PREFIX, open_demo_runtime, sweep_abandoned
from tui.services.runtime import LOCK_NAME


def make_scratch(root: Path, name: str, *, age: float, locked: bool) -> tuple[Path, object]:
    folder = root / f"{SCRATCH_PREFIX}{name}"
    (folder / "data").mkdir(parents=True)
    handle = open(folder / "data" / LOCK_NAME, "a+")  # noqa: SIM115
    if locked:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    old = time.time() - age
    os.utime(folder, (old, old))
    return folder, handle


def test_only_abandoned_demo_folders_are_swept(tmp_path: Path) -> None:
    killed, h1 = make_scratch(tmp_path, "killed", age=3600, locked=False)
    running, h2 = make_scratch(tmp_path, "running", age=3600, locked=True)
    starting, h3 = make_scratch(tmp_path, "starting", age=1, locked=False)
    try:
        assert sweep_abandoned(tmp_path) == 1
        assert not killed.exists()
        assert running.exists(), "a demo still running keeps its folder"
        assert starting.exists(), "a demo starting this second keeps its folder"
    finally:
        for handle in (h1, h2, h3):
            handle.close()  # type: ignore[attr-defined]


async def test_a_closed_demo_leaves_nothing_behind() -> None:
    runtime, _sim = await open_demo_runtime()
    data_dir = runtime.data_dir
    assert data_dir is not None and data_dir.exists()
    reports = await runtime.engine.run_once()
    assert all(r.error is None for r in reports)
    await runtime.close()
    assert not data_dir.parent.exists(), "the throwaway folder is removed on exit"
