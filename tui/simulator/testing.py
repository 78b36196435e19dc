"""Test helpers: a simulator on a real loopback socket, torn down afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from tui.domain.models import Account, InstagramApi, Platform
from tui.simulator.core import Simulator
from tui.simulator.server import serve


@contextlib.asynccontextmanager
async def loopback_simulator(seed: int = 7, **kw: Any) -> AsyncIterator[tuple[Simulator, str]]:
    """A fresh :class:`Simulator` (frozen clock unless ``clock=`` is given) and its base URL.

    The Instagram Login host is ``base_url + "/instagram"``.
    """
    sim = Simulator(seed, **kw)
    async with serve(sim) as base_url:
        yield sim, base_url


def seeded_account(row: Mapping[str, Any]) -> Account:
    """The domain :class:`Account` of one row of :meth:`Simulator.seeded_accounts`."""
    api = row.get("api")
    return Account(
        id=row["id"],
        platform=Platform(row["platform"]),
        page_id=row.get("page_id"),
        ig_user_id=row.get("ig_user_id"),
        api=InstagramApi(api) if api else None,
        graph_url=row["graph_url"],
        name=row.get("name", ""),
    )


def seeded_row(sim: Simulator, key: str, base_url: str = "http://sim.test") -> dict[str, Any]:
    """The seeded account table ``key`` (with its token) for a simulator at ``base_url``."""
    return next(row for row in sim.seeded_accounts(base_url) if row["id"] == key)
