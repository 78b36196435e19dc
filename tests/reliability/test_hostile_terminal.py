"""Hostile texts and names through a real terminal: tmux runs the dashboard on loopback.

Before the content arrives and after it has been drawn (inbox list, every hostile
conversation opened, toasts shown), at the same place in the UI, the pane's title,
tmux's paste buffers and the terminal modes must be the same, and the raw output the
dashboard wrote must hold none of the content's control sequences.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability.conftest import ROOT, LoopbackSim
from tests.reliability.hostile import (
    FORBIDDEN_ANYWHERE,
    HOSTILE_NAMES,
    TERMINAL_ATTACKS,
    UI_ATTACKS,
    exact_sequences,
)
from tests.reliability.tmux import Tmux

C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


CONVERSATION_FOOTER = "esc Back"
"""Shown by the conversation screen's footer only."""


def test_hostile_content_never_reaches_the_terminal(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=31)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    raw_log = tmp_path / "raw.out"
    raw_log.touch()
    command = [sys.executable, "-m", "tui", "--config", str(config)]
    tmux = Tmux([*command, "--data-dir", str(tmp_path / "data")], cwd=ROOT)
    try:
        tmux.start(raw_log)
        tmux.wait_for("Inbox")
        tmux.wait_for(" conversations", timeout=30)
        time.sleep(3)  # the first sync and its backfill settle
        counted = re.search(r"All · (\d+) conversations", tmux.screen())
        assert counted, tmux.screen()
        before = tmux.modes()
        buffers_before = tmux.buffers()
        clean_upto = raw_log.stat().st_size

        payloads = {**TERMINAL_ATTACKS, **UI_ATTACKS}
        for n, (label, text) in enumerate(payloads.items()):
            name = f"{HOSTILE_NAMES[n % len(HOSTILE_NAMES)]} h{n:02d}"
            account = "demo-iglogin" if n % 3 == 2 else "demo-page"
            rig.post("/_sim/inbound", {"account": account, "text": text, "name": name})
            assert label  # each payload gets its own conversation, newest at the top
        # One new conversation per payload (a NUL-bearing text is quarantined, its
        # conversation still listed).
        tmux.wait_for(f"All · {int(counted.group(1)) + len(payloads)} conversations", timeout=40)
        time.sleep(1.0)

        # Draw every hostile conversation: open it, look, go back, next row. Each step
        # waits for the screen it expects (the conversation's footer, then its absence),
        # so a loaded machine cannot make a key land on the wrong screen.
        tmux.keys("g")
        for _ in range(len(payloads)):
            tmux.keys("Enter", pause=0.1)
            tmux.wait_for(CONVERSATION_FOOTER)
            tmux.keys("End", "Home", pause=0.3)
            tmux.keys("Escape", pause=0.1)
            tmux.wait_gone(CONVERSATION_FOOTER)
            tmux.keys("j", pause=0.1)
        tmux.keys("g", pause=0.5)
        screen = tmux.wait_for("Inbox")
        assert tmux.dead_status() is None, f"the dashboard died:\n{screen}"

        after = tmux.modes()
        assert after == before, "content changed the terminal's title or modes"
        assert tmux.buffers() == buffers_before, "content reached tmux's paste buffers"

        tmux.keys("C-q", pause=0.5)
        assert tmux.wait_dead() == "0", tmux.screen()
    finally:
        tmux.kill()

    raw = raw_log.read_bytes()
    drawn = raw[clean_upto:]
    # The visible part of every kind of payload was drawn, so its absence checks mean something.
    for tag in (
        b"PWN-TITLE-0",
        b"PWN-C1-CSI",
        b"PWN-DCS",
        b"PWN-MARKUP",
        b"PWN-HUGE",
        b"PWN-ZALGO",
    ):
        assert tag in drawn, f"{tag.decode()} was never drawn"
    for tag in (b"PWN-NAME-TITLE", b"PWN-NAME-C1", b"PWN-NAME-ALT"):
        assert tag in drawn, f"the name {tag.decode()} was never drawn"
    leaks = [name for name, seq in exact_sequences().items() if seq in raw]
    assert not leaks, f"control sequences from the content reached the terminal: {leaks}"
    found = [name for name, seq in FORBIDDEN_ANYWHERE.items() if seq in drawn]
    assert not found, f"sequences the app never writes appeared after the content came: {found}"
    assert not C1_IN_UTF8.search(raw), "a C1 control character reached the terminal"
