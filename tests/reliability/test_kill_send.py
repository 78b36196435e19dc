"""A reply accepted by Meta, then kill -9, then a busy thread: never sent twice silently.

The send's answer is slow (the simulator delays its response after recording the send),
the sync process is killed while it waits, the customer writes 30 more messages (more
than a page), and a fresh process starts: the look-back finds the reply on an older page
and marks it sent; Meta received it exactly once.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability.conftest import LoopbackSim, cli, spawn
from tui.store import Store

REPLY = "Your cake is ready, pick it up any time before six"


def enqueue(database: Path, account: str, conversation: str, recipient: str) -> None:
    async def go() -> None:
        store = await Store.open(database)
        try:
            await store.enqueue(
                account_id=account,
                conversation_id=conversation,
                recipient_id=recipient,
                action="text",
                text=REPLY,
            )
        finally:
            await store.close()

    asyncio.run(go())


def outbox_rows(database: Path) -> list[tuple[str, int, str | None]]:
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return list(db.execute("SELECT state, attempts, error FROM outbox WHERE action = 'text'"))
    finally:
        db.close()


def sent_count(rig: LoopbackSim) -> int:
    return [s["text"] for s in rig.get("/_sim/sent")["data"]].count(REPLY)


def test_a_reply_accepted_before_a_kill_is_not_sent_again_after_30_more_messages(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=41)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    database = data / "linkdeck.db"
    first = rig.post("/_sim/inbound", {"account": "demo-page", "text": "is my cake ready?"})
    enqueue(database, "demo-page", first["conversation_id"], first["customer_id"])
    # Meta records the send at once, but its answer takes a minute to come back.
    rig.post("/_sim/faults", {"path": "re:/messages$", "method": "POST", "delay": 60})

    proc = spawn("sync", "--config", str(config), "--data-dir", str(data))
    try:
        deadline = time.monotonic() + 90
        while sent_count(rig) == 0:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the reply never reached the simulator"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert outbox_rows(database)[0][0] == "sending"

    for n in range(30):
        rig.post(
            "/_sim/inbound",
            {"account": "demo-page", "customer": first["customer_id"], "text": f"hello? {n}"},
        )
    done = cli("sync", "--once", "--config", str(config), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr[-2000:]

    assert sent_count(rig) == 1, "the reply went out a second time"
    ((state, attempts, _error),) = outbox_rows(database)
    assert (state, attempts) == ("sent", 1)
