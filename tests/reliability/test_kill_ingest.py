"""SIGKILL `linkdeck sync` over and over while it ingests: nothing lost, nothing doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.reliability.conftest import LINKDECK, LoopbackSim, cli, message_count, stored_ids

TRIALS = 22


def test_twenty_kills_during_ingest_keep_every_message_exactly_once(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    # A backlog big enough that every run spends its life ingesting (history and live).
    rig = loopback(seed=21, conversations_per_account=60, messages_per_conversation=40)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    data = tmp_path / "data"
    database = data / "linkdeck.db"
    rng = random.Random(21)
    customers: list[str] = []
    kills = mid_ingest = 0

    for trial in range(TRIALS):
        before = message_count(database)
        proc = subprocess.Popen(
            [*LINKDECK, "sync", "--config", str(config), "--data-dir", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Customers keep writing while the sync runs, to new and to known threads.
        for n in range(rng.randint(5, 30)):
            body = {"account": rng.choice(["demo-page", "demo-ig", "demo-iglogin"])}
            body["text"] = f"live {trial}/{n}"
            if customers and rng.random() < 0.7:
                body["customer"] = rng.choice(customers)
                body["account"] = "demo-page"
            reply = rig.post("/_sim/inbound", body)
            if reply["account"] == "demo-page":
                customers.append(reply["customer_id"])
        # Kill at a random moment once this run has started writing: on a loaded machine
        # the process may take seconds just to start, so a fixed wall-clock delay would
        # mostly kill it before it stored anything (and prove little).
        deadline = time.monotonic() + 90
        while message_count(database) <= before and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kills += proc.returncode == -signal.SIGKILL
        mid_ingest += message_count(database) > before
    assert kills == TRIALS
    # Most kills must land while messages were being written, or this proves little.
    assert mid_ingest >= TRIALS // 2, f"only {mid_ingest} of {TRIALS} runs stored anything"

    final = cli("sync", "--once", "--config", str(config), "--data-dir", str(data), timeout=150)
    assert final.returncode == 0, final.stderr[-2000:]
    stored = stored_ids(database)
    doubled = [key for key, n in Counter(stored).items() if n > 1]
    assert not doubled, f"stored twice: {doubled[:5]}"
    expected = rig.remote_ids()
    missing = expected - set(stored)
    assert not missing, (
        f"{len(missing)} of {len(expected)} messages lost, e.g. {sorted(missing)[:3]}"
    )
    # Reactions are stored as records of their own, keyed by the message they react to.
    assert {key for key in stored if ":reaction:" not in key[1]} == expected
