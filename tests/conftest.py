"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.synapse import SynapseServer


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """A real Synapse on loopback (SQLite, a temp folder), once per test session."""
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
