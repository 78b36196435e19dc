"""The service's socket: who may attach, versions, stale sockets, attach and detach, events."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import ServiceRig
from tui.domain.models import Conversation
from tui.services.api import AlreadyRunning, SetDnd, SetRuleEnabled, Triage
from tui.services.client import RemoteService, VersionMismatch
from tui.services.events import (
    CARRIED_AT_MOST,
    ConversationsChanged,
    Event,
    PrefsChanged,
    carry_conversations,
)
from tui.services.runtime import lock_data_dir
from tui.services.server import ServiceServer, peer_allowed, peer_credentials, socket_path
from tui.services.wire import ServiceUnavailable
from tui.store import InboxView


def test_only_the_same_user_may_attach() -> None:
    assert peer_allowed(1000, 1000)
    assert not peer_allowed(1001, 1000)
    assert not peer_allowed(0, 1000)  # not even root: it has its own service


def test_peer_credentials_name_the_process_at_the_other_end() -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        pid, uid, _gid = peer_credentials(left)
    assert (pid, uid) == (os.getpid(), os.getuid())


def test_socket_path_per_data_folder(tmp_path: Path) -> None:
    runtime_dir = tmp_path / "run"
    runtime_dir.mkdir()
    env = {"XDG_RUNTIME_DIR": str(runtime_dir)}
    one = socket_path(tmp_path / "one", env)
    two = socket_path(tmp_path / "two", env)
    assert one != two and one.parent == two.parent == runtime_dir / "linkdeck"
    assert socket_path(tmp_path / "one", env) == one
    assert socket_path(tmp_path / "one", {}) == (tmp_path / "one").resolve() / "linkdeck.sock"


async def test_attach_sees_the_service_and_detach_lets_it_go(service_rig: ServiceRig) -> None:
    client = await service_rig.attach()
    assert client.info.attached and client.info.pid == os.getpid()
    assert service_rig.server.clients == 1
    assert {s.account_id for s in client.statuses()} == {
        a.id for a in service_rig.runtime.prefs.accounts
    }
    assert client.prefs == service_rig.runtime.prefs
    mode = stat.S_IMODE(service_rig.server.path.stat().st_mode)
    assert mode == 0o600
    await client.close()
    service_rig.clients.remove(client)
    for _ in range(200):
        if service_rig.server.clients == 0:
            break
        await asyncio.sleep(0.01)
    assert service_rig.server.clients == 0


async def test_a_change_through_one_client_reaches_every_client(service_rig: ServiceRig) -> None:
    one, two = await service_rig.attach(), await service_rig.attach()
    heard: list[Event] = []

    async def listen() -> None:
        async for event in two.events():
            heard.append(event)
            if isinstance(event, PrefsChanged):
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0)
    store = service_rig.runtime.store
    first = (await store.conversations_page(InboxView(), 0, 1, service_rig.sim.clock.now()))[0]
    key = (first.account_id, first.remote_id)
    await one.triage(key, Triage.PIN)
    await one.update_prefs(SetDnd(True))
    await asyncio.wait_for(listener, 10)
    (changed,) = [e for e in heard if isinstance(e, ConversationsChanged)]
    assert (changed.account_id, tuple(changed.conversation_ids)) == (key[0], (key[1],))
    stored = await store.get_conversation(*key)
    assert stored is not None and stored.triage.pinned
    # It carries the conversation as stored after the change: the inbox reads nothing back.
    assert changed.conversations == (stored,)
    # The other dashboard's preferences are current when it hears the change.
    assert two.prefs.notifications.dnd is True
    assert "dnd = true" in service_rig.runtime.prefs_file.path.read_text()


async def test_a_change_is_read_once_for_all_the_dashboards_attached(
    service_rig: ServiceRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = [await service_rig.attach() for _ in range(3)]
    store = service_rig.runtime.store
    first = (await store.conversations_page(InboxView(), 0, 1, service_rig.sim.clock.now()))[0]
    key = (first.account_id, first.remote_id)
    reads: list[list[tuple[str, str]]] = []
    read = store.conversations_by_key

    async def counted(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Conversation]:
        keys = list(keys)
        reads.append(keys)
        return await read(keys)

    monkeypatch.setattr(store, "conversations_by_key", counted)
    heard: list[list[ConversationsChanged]] = [[] for _ in clients]

    async def listen(client: RemoteService, into: list[ConversationsChanged]) -> None:
        async for event in client.events():
            if isinstance(event, ConversationsChanged) and key[1] in event.conversation_ids:
                into.append(event)
                return

    listeners = [asyncio.create_task(listen(c, h)) for c, h in zip(clients, heard, strict=True)]
    await asyncio.sleep(0)
    await clients[0].triage(key, Triage.PIN)
    await asyncio.wait_for(asyncio.gather(*listeners), 10)
    stored = await read([key])
    assert stored[key].triage.pinned
    # Every dashboard got the conversation as stored after the change...
    assert [[event.conversations for event in h] for h in heard] == [[(stored[key],)]] * 3
    # ...from one read in the service, not one per dashboard.
    assert reads.count([key]) == 1


async def test_an_event_carries_a_few_changed_conversations_not_a_whole_sync(
    service_rig: ServiceRig,
) -> None:
    """What an event carries is bounded: a few changed conversations ride along (those still
    stored), a bigger change (a first sync) carries none and each dashboard reads."""
    store = service_rig.runtime.store
    first = (await store.conversations_page(InboxView(), 0, 1, service_rig.sim.clock.now()))[0]
    account, remote_id = first.account_id, first.remote_id
    few = await carry_conversations(store, ConversationsChanged(account, [remote_id, "t_gone"]))
    assert isinstance(few, ConversationsChanged)
    assert few.conversations == (await store.get_conversation(account, remote_id),)
    many = ConversationsChanged(account, [remote_id] * (CARRIED_AT_MOST + 1))
    assert await carry_conversations(store, many) == many
    assert await carry_conversations(store, ConversationsChanged(account, ())) == (
        ConversationsChanged(account, ())
    )


async def test_service_errors_come_back_as_errors(service_rig: ServiceRig) -> None:
    client = await service_rig.attach()
    with pytest.raises(IndexError, match="no notification rule at position 99"):
        await client.update_prefs(SetRuleEnabled(99, True))
    # The connection stays usable after a failed call.
    await client.update_prefs(SetDnd(False))
    assert client.prefs.notifications.dnd is False


async def test_versions_that_differ_refuse_each_other(service_rig: ServiceRig) -> None:
    with pytest.raises(VersionMismatch) as refused:
        await RemoteService.connect(service_rig.server.path, version="0.0.1")
    assert "version 0.1.0" in str(refused.value) and "version 0.0.1" in str(refused.value)
    other = ServiceServer(service_rig.service, service_rig.tmp / "other.sock", version="9.9.9")
    await other.start()
    try:
        with pytest.raises(VersionMismatch) as told:
            await RemoteService.connect(other.path)
        assert "9.9.9" in str(told.value) and "0.1.0" in str(told.value)
    finally:
        await other.close()


async def test_a_stale_socket_is_replaced_and_a_live_one_is_not(
    service_rig: ServiceRig, tmp_path: Path
) -> None:
    stale = tmp_path / "stale" / "linkdeck.sock"
    stale.parent.mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(stale))
    dead.close()  # what a service killed with -9 leaves behind: a file nobody listens on
    assert stale.exists()
    with pytest.raises(ServiceUnavailable):
        await RemoteService.connect(stale)
    server = ServiceServer(service_rig.service, stale)
    await server.start()
    try:
        client = await RemoteService.connect(stale)
        await client.close()
        with pytest.raises(OSError, match="answers"):
            await ServiceServer(service_rig.service, stale).start()
    finally:
        await server.close()


def test_a_second_service_on_a_folder_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    held = lock_data_dir(tmp_path)
    try:
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            lock_data_dir(tmp_path)
    finally:
        held.close()
