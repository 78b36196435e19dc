"""A Linkdeck Matrix account on the shared real Synapse, with a peer user to talk to."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from tests.matrixpeer import FakeBridge, Peer
from tests.synapse import MatrixUser, SynapseServer
from tui.adapters import make_adapter
from tui.adapters.matrix import MatrixAdapter
from tui.domain import Account, InboxMessage, Platform, PrivacySettings
from tui.services.events import EventBus
from tui.services.outbox import Outbox
from tui.services.sync import SyncEngine
from tui.store import Store

_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}_{secrets.token_hex(3)}"


@dataclass
class MatrixRig:
    """Our account (``me``) synced into a real store, and ``bob`` on the other side."""

    server: SynapseServer
    me: MatrixUser
    bob: Peer
    store: Store
    bus: EventBus
    engine: SyncEngine
    outbox: Outbox
    adapter: MatrixAdapter
    box: list[PrivacySettings] = field(default_factory=lambda: [PrivacySettings()])
    """The account's privacy settings, read by the engine and outbox at each use."""

    def set_privacy(self, **changes: object) -> None:
        self.box[0] = replace(self.box[0], **changes)  # type: ignore[arg-type]

    @property
    def account_id(self) -> str:
        return self.adapter.account.id

    async def messages(self, room_id: str) -> list[InboxMessage]:
        """Stored messages of a room, oldest first."""
        page = await self.store.messages_page(self.account_id, room_id, None, 10_000)
        return list(reversed(page))

    async def until(
        self, check: Callable[[], Awaitable[bool]], what: str, timeout: float = 45.0
    ) -> None:
        """Wait for ``check`` to hold, re-checking at every event the engine publishes."""
        queue = self.bus.subscribe()
        try:
            async with asyncio.timeout(timeout):
                while not await check():
                    with suppress(TimeoutError):
                        await asyncio.wait_for(queue.get(), 1.0)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None
        finally:
            self.bus.unsubscribe(queue)

    @asynccontextmanager
    async def live(self) -> AsyncIterator[None]:
        """The engine's real loop (``/sync`` long-polling) and the outbox, until the block ends."""
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(self.engine.run(stop)),
            asyncio.create_task(self.outbox.run(stop)),
        ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    def dm(self, name: str | None = None) -> str:
        """A room made by bob with us in it (we joined)."""
        room = self.bob.create_room(name=name, invite=(self.me.user_id,))
        Peer(self.server, self.me.access_token, self.me.user_id).join(room)
        return room


def matrix_account(user: MatrixUser, server: SynapseServer, account_id: str = "mx") -> Account:
    return Account(
        id=account_id,
        platform=Platform.MATRIX,
        user_id=user.user_id,
        homeserver=server.url,
        device_id=user.device_id,
    )


async def open_rig(server: SynapseServer, folder: Path, me: MatrixUser | None = None) -> MatrixRig:
    me = me or server.register(unique("me"))
    bob_user = server.register(unique("bob"))
    adapter = make_adapter(matrix_account(me, server), me.access_token)
    assert isinstance(adapter, MatrixAdapter)
    store = await Store.open(folder / "linkdeck.db")
    bus = EventBus()
    box = [PrivacySettings()]

    def privacy(_: str) -> PrivacySettings:
        return box[0]

    adapters = {adapter.account.id: adapter}
    engine = SyncEngine(store, adapters, bus, privacy=privacy)
    outbox = Outbox(store, adapters, bus, privacy=privacy, retry_delay=0.5)
    peer = Peer.of(server, bob_user)
    return MatrixRig(server, me, peer, store, bus, engine, outbox, adapter, box)


@pytest.fixture
async def mx(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[MatrixRig]:
    rig = await open_rig(synapse, tmp_path)
    try:
        yield rig
    finally:
        rig.bob.close()
        await rig.adapter.client.aclose()
        await rig.store.close()


@pytest.fixture
def bridge(synapse: SynapseServer) -> Iterator[FakeBridge]:
    fake = FakeBridge(synapse)
    yield fake
    fake.close()
