"""A runtime wired to the simulator: the one builder every folder's rig starts from.

In process (``transport=sim.transport()``, base URL ``http://sim.test``) or on a real
loopback socket (``loopback_runtime``); either way the simulator's clock is frozen and
the services keep its time, as they would Meta's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tui.services.runtime import Runtime, open_runtime
from tui.simulator import SimClock, Simulator
from tui.simulator.server import serve

SIM_URL = "http://sim.test"


@dataclass
class SimRuntime:
    """The simulator, the runtime wired to it, and a client for its control API."""

    sim: Simulator
    runtime: Runtime
    tmp: Path
    config: Path
    base_url: str
    transport: httpx.AsyncBaseTransport | None
    """The in-process transport; ``None`` when the simulator listens on loopback."""
    _control: httpx.AsyncClient | None = field(default=None, init=False, repr=False)

    @property
    def control(self) -> httpx.AsyncClient:
        """A client for the simulator's control API (made on first use, closed by close())."""
        if self._control is None:
            self._control = httpx.AsyncClient(transport=self.transport, base_url=self.base_url)
        return self._control

    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.control.post(path, json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def inbound(self, account: str, text: str, customer: str | None = None) -> dict[str, Any]:
        """A customer writes through the control API (a new customer unless ``customer``)."""
        body = {"account": account, "text": text}
        if customer:
            body["customer"] = customer
        return await self.post("/_sim/inbound", body)

    async def requests_to(self, needle: str) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = (await self.control.get("/_sim/requests")).json()["data"]
        return [r for r in log if needle in r["path"]]

    async def close(self) -> None:
        if self._control is not None:
            await self._control.aclose()
        await self.runtime.close()


R = TypeVar("R", bound=SimRuntime)


async def _wire(
    kind: Callable[..., R],
    sim: Simulator,
    tmp: Path,
    base_url: str,
    transport: httpx.AsyncBaseTransport | None,
    *,
    accounts: int = 3,
    config_extra: str = "",
    sim_clock: bool = True,
    synced: bool = False,
    paused: bool = False,
    **fields: Any,
) -> R:
    """Config for ``sim`` (the first ``accounts`` seeded accounts, then ``config_extra``),
    a runtime on it (keeping the simulator's time unless ``sim_clock`` is false), synced
    once when ``synced``, every account paused when ``paused``."""
    config = sim.write_config(tmp / "config", base_url)
    text = config.read_text(encoding="utf-8")
    if accounts < 3:
        # Keep only the first ``accounts`` seeded accounts (the wizard adds the others).
        text = "[[accounts]]".join(text.split("[[accounts]]")[: accounts + 1])
    config.write_text(text + config_extra, encoding="utf-8")
    runtime = await open_runtime(
        config, tmp / "data", transport=transport, clock=sim.clock.now if sim_clock else None
    )
    if synced:
        await runtime.engine.run_once()
    if paused:
        # Paused: nothing changes the store behind a test's back; tests sync on purpose.
        for account_id in runtime.engine.accounts:
            runtime.engine.pause(account_id)
    return kind(sim, runtime, tmp, config, base_url, transport, **fields)


async def sim_runtime(
    tmp: Path, sim: Simulator, *, kind: Callable[..., R] = SimRuntime, **options: Any
) -> R:
    """A runtime on ``sim`` in process; close it with ``await rig.close()``.

    ``options``: ``accounts``, ``config_extra``, ``sim_clock``, ``synced``, ``paused`` (see
    ``_wire``) and the extra fields of ``kind``.
    """
    return await _wire(kind, sim, tmp, SIM_URL, sim.transport(), **options)


@contextlib.asynccontextmanager
async def loopback_runtime(
    tmp: Path, sim: Simulator, *, kind: Callable[..., R] = SimRuntime, **options: Any
) -> AsyncIterator[R]:
    """A runtime on ``sim`` listening on a real loopback socket, closed afterwards."""
    async with serve(sim) as url:
        rig = await _wire(kind, sim, tmp, url, None, **options)
        try:
            yield rig
        finally:
            await rig.close()


def frozen(seed: int, **sim_kw: Any) -> Simulator:
    """A simulator whose clock moves only when a test moves it."""
    return Simulator(seed, clock=SimClock.fixed(), **sim_kw)


Built = TypeVar("Built")


def built_apart(build: Coroutine[Any, Any, Built], runtime: Callable[[Built], Runtime]) -> Built:
    """``build`` run to its end in an event loop of its own, for a rig whose app
    ``snap_compare`` runs in another loop.

    The store's search-index follow-up is done before that loop ends (``index_now``). A
    statement still running on aiosqlite's thread when ``asyncio.run`` closes its loop
    answers to the closed loop, the thread dies on it, and the next loop's first statement
    never returns (a CI run hung this way).
    """

    async def built() -> Built:
        rig = await build
        await runtime(rig).store.index_now()
        return rig

    return asyncio.run(built())
