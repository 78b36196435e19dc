"""SIGKILL a process saving config.toml at random moments: the file is always whole."""

from __future__ import annotations

import os
import random
import select
import signal
import time
from pathlib import Path

import tomlkit

from tui.config import PrefsFile, load_prefs

TRIALS = 110
TEMPLATE = """\
# My Linkdeck settings: this comment and the layout below must survive every save.

[ui]
theme = "theme-{n:06d}"   # changed by the saver at every step
poll_seconds = 20

[[accounts]]
id = "bakery"
platform = "messenger"   # the Page inbox
page_id = "104920384756"
token_env = "LINKDECK_BAKERY_TOKEN"

[privacy.bakery]
send_read_receipts = false
"""


def version(n: int) -> bytes:
    return TEMPLATE.format(n=n).encode()


def saver(path: Path, start: int, report: int) -> None:
    """The child: save version start+1, start+2, ... through PrefsFile, report each one."""
    prefs = PrefsFile(path)
    n = start
    while True:
        n += 1
        prefs.set_ui("theme", f"theme-{n:06d}")
        os.write(report, f"{n}\n".encode())


def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(version(0))
    rng = random.Random(13)
    current = 0
    for _ in range(TRIALS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into pytest
            try:
                os.close(read_end)
                saver(path, current, write_end)
            finally:
                os._exit(0)
        os.close(write_end)
        # Kill at a random moment once the child is saving: on a loaded machine a fixed
        # delay from the fork may end before the child ever ran, and prove nothing.
        ready, _, _ = select.select([read_end], [], [], 60)
        assert ready, "the saver never reported a save"
        early = os.read(read_end, 4096)
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        with os.fdopen(read_end, "rb") as reports:
            acknowledged = [int(line) for line in (early + reports.read()).split()]
        last = acknowledged[-1] if acknowledged else current

        data = path.read_bytes()
        theme = str(tomlkit.parse(data.decode())["ui"]["theme"])
        n = int(theme.removeprefix("theme-"))
        # The last save the child reported, or the one it was killed in after renaming.
        assert n in (last, last + 1), f"found version {n}, last reported {last}"
        assert data == version(n), "the file is not exactly one of the saved versions"
        current = n
    prefs, problems = load_prefs(path)
    assert not problems and prefs.accounts[0].id == "bakery"
    assert current > TRIALS, "the saver hardly ever got to save: the test proves little"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "config.toml"]
    # A kill between writing the temporary file and renaming it may leave that file.
    assert all(name.startswith(".config.toml.") for name in leftovers), leftovers
