"""kill -9 of `linkdeck serve` during a send, with a dashboard attached: each reply once.

A dashboard (the socket client) sends a reply; the simulator records it and holds its
answer; the service is killed with -9 while it waits. The dashboard says the service is
lost, and a second reply written now waits in the store's outbox. A new service starts:
the dashboard reattaches by itself, the first reply is found already delivered (never
sent again) and the second goes out once.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability.conftest import LoopbackSim, spawn
from tui.domain import OutboxState
from tui.services.client import RemoteService
from tui.services.events import ServiceState
from tui.services.server import socket_path
from tui.services.wire import ServiceUnavailable

FIRST = "Your order is packed and on its way"
SECOND = "Written while no service ran"


def sent(rig: LoopbackSim, text: str) -> int:
    return [s.get("text") for s in rig.get("/_sim/sent")["data"]].count(text)


async def attach(path: Path, proc: subprocess.Popen[str]) -> RemoteService:
    deadline = time.monotonic() + 60
    while True:
        try:
            return await RemoteService.connect(path)
        except ServiceUnavailable:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the service never answered"
            await asyncio.sleep(0.2)


async def until(predicate: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


def test_kill_9_during_a_send_sends_each_reply_exactly_once(
    loopback: Callable[..., LoopbackSim], tmp_path: Path
) -> None:
    rig = loopback(seed=43)
    config = rig.write_config(tmp_path / "cfg", poll_seconds=2)
    data = tmp_path / "data"
    first = rig.post("/_sim/inbound", {"account": "demo-page", "text": "where is my order?"})
    key = ("demo-page", str(first["conversation_id"]))
    customer = str(first["customer_id"])
    # The platform records the send at once; its answer takes a minute to come back.
    rig.post("/_sim/faults", {"path": "re:/messages$", "method": "POST", "delay": 60})
    path = socket_path(data, environ={})
    serve = ["serve", "--config", str(config), "--data-dir", str(data)]
    procs = [spawn(*serve)]

    async def scenario() -> None:
        client = await attach(path, procs[0])
        lost: list[ServiceState] = []

        async def follow() -> None:
            async for event in client.events():
                if isinstance(event, ServiceState):
                    lost.append(event)

        follower = asyncio.create_task(follow())
        try:
            await client.send_reply(key, customer, FIRST)
            await until(lambda: sent(rig, FIRST) == 1, "the first reply never reached Meta")
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(10)
            await until(lambda: not client.link.up, "the dashboard never noticed")
            assert lost and not lost[0].up and "service lost" in lost[0].message
            queued = await client.send_reply(key, customer, SECOND)
            assert queued.state is OutboxState.QUEUED

            procs.append(spawn(*serve))
            await until(lambda: client.link.up, "the dashboard never reattached", 60)
            await until(lambda: sent(rig, SECOND) == 1, "the queued reply never went out")

            async def settled() -> list[OutboxState]:
                items = await client.store.outbox_items(account_id=key[0])
                return [i.state for i in items if i.action == "text"]

            deadline = time.monotonic() + 120
            while await settled() != [OutboxState.SENT, OutboxState.SENT]:
                assert time.monotonic() < deadline, await settled()
                await asyncio.sleep(0.3)
        finally:
            follower.cancel()
            await client.close()

    try:
        asyncio.run(scenario())
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
    assert sent(rig, FIRST) == 1, "the reply in flight at the kill went out twice"
    assert sent(rig, SECOND) == 1
