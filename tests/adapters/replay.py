"""Replaying Meta's documented response bodies through the real adapters.

The bundled simulator runs on a loopback socket; a raw-body fault makes it answer one
request with the literal body (and headers) copied from a Meta page, so the bytes travel
through httpx, the Graph client, the error mapping and the adapter exactly as Meta's would.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tui.adapters import make_adapter
from tui.adapters.meta import GraphAdapter
from tui.domain import Account, InstagramApi, Platform
from tui.simulator import Simulator
from tui.simulator.faults import FaultRule
from tui.simulator.testing import loopback_simulator

MESSENGER, IG_PAGE, IG_LOGIN = "demo-page", "demo-ig", "demo-iglogin"


class Replay:
    """A loopback simulator and the seeded accounts' adapters."""

    def __init__(self, sim: Simulator, base_url: str) -> None:
        self.sim = sim
        self.rows = {row["id"]: row for row in sim.seeded_accounts(base_url)}
        self.made: list[GraphAdapter] = []

    def adapter(self, key: str = MESSENGER) -> GraphAdapter:
        row = self.rows[key]
        api = row.get("api")
        account = Account(
            id=row["id"],
            platform=Platform(row["platform"]),
            page_id=row.get("page_id"),
            ig_user_id=row.get("ig_user_id"),
            api=InstagramApi(api) if api else None,
            graph_url=row["graph_url"],
            name=row.get("name", ""),
        )
        made = make_adapter(account, row["token"], clock=self.sim.clock.now)
        assert isinstance(made, GraphAdapter)
        self.made.append(made)
        return made

    def answer(
        self,
        path: str,
        body: object,
        *,
        status: int = 200,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        count: int = 1,
    ) -> None:
        """The next ``count`` requests whose path starts with ``path`` (and whose query holds
        ``query``; ``"*"`` matches any value) get this literal body; ``count=-1``: all."""
        raw = body if isinstance(body, str) else json.dumps(body)
        self.sim.faults.add(
            FaultRule(
                path=path,
                count=count,
                method=method,
                status=status,
                body=raw,
                headers=headers,
                query=query,
            )
        )


@asynccontextmanager
async def replay(**options: Any) -> AsyncIterator[Replay]:
    async with loopback_simulator(**options) as (sim, base_url):
        made = Replay(sim, base_url)
        try:
            yield made
        finally:
            for adapter in made.made:
                await adapter.client.aclose()
