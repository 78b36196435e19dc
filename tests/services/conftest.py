"""Fixtures for the sync engine and outbox: the simulator on loopback, a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.simrig import SimRuntime, frozen, loopback_runtime

Rig = SimRuntime


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with loopback_runtime(tmp_path, frozen(11)) as built:
        yield built
