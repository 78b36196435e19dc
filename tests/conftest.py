"""Shared fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.synapse import SynapseServer
from tui.store import Store
from tui.webhooks.receiver import WebhookReceiver

WEBHOOK_SECRET = "test-app-secret-5f1c"
WEBHOOK_VERIFY = "test-verify-token-9a2e"


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """A real Synapse on loopback (SQLite, a temp folder), once per test session."""
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def store_file(tmp_path: Path) -> AsyncIterator[Store]:
    """A real store in a real SQLite file, closed afterwards."""
    store = await Store.open(tmp_path / "linkdeck.db")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def webhook_receiver(store_file: Store) -> AsyncIterator[WebhookReceiver]:
    """The webhook receiver on a loopback port chosen by the OS, over ``store_file``."""
    receiver = WebhookReceiver(store_file, WEBHOOK_VERIFY, WEBHOOK_SECRET, max_body_bytes=64_000)
    await receiver.start("127.0.0.1", 0)
    try:
        yield receiver
    finally:
        await receiver.stop()
