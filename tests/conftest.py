"""Shared fixtures."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.matrixpeer import BusyAccount
from tests.synapse import SynapseServer
from tui.app import DashboardApp
from tui.services.client import RemoteService
from tui.services.local import LocalService
from tui.services.runtime import Runtime, open_runtime
from tui.services.server import ServiceServer, socket_path
from tui.simulator import SimClock, Simulator
from tui.simulator.testing import loopback_simulator
from tui.store import Store
from tui.webhooks.receiver import WebhookReceiver

WEBHOOK_SECRET = "test-app-secret-5f1c"
WEBHOOK_VERIFY = "test-verify-token-9a2e"


_busy: list[BusyAccount] = []
_shared: list[SynapseServer] = []


def shared_synapse() -> SynapseServer:
    """The session's shared homeserver, launched on first call (not waited for).

    The folder is in memory (/dev/shm) when the machine has it: Synapse commits every
    event, and on a disk the fsyncs, not the CPU, set the pace.
    """
    if not _shared:
        shm = Path("/dev/shm")
        folder = Path(
            tempfile.mkdtemp(prefix="linkdeck-synapse-", dir=shm if shm.is_dir() else None)
        )
        server = SynapseServer(folder)
        _shared.append(server)
        server.launch()
    return _shared[0]


def busy_account() -> BusyAccount:
    """The one busy Matrix account of this session, its build started on first call."""
    if not _busy:
        _busy.append(BusyAccount())
    return _busy[0]


HOMESERVER_GROUP = "homeserver"
"""The pytest-xdist group of every test that needs a homeserver: one worker runs them all,
so a parallel run starts one shared Synapse and builds the busy account once."""


def _xdist_worker() -> bool:
    return "PYTEST_XDIST_WORKER" in os.environ


def _uses(item: pytest.Item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


def _needs_homeserver(item: pytest.Item) -> bool:
    return _uses(item, "synapse") or _uses(item, "busy_matrix")


class _HomeserverGroup:
    """Marks the homeserver tests before pytest-xdist turns marks into scheduling groups
    (its own hook, in each worker, reads them at collection)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if _needs_homeserver(item):
                item.add_marker(pytest.mark.xdist_group(HOMESERVER_GROUP))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_HomeserverGroup(), "linkdeck-homeserver-group")


@pytest.hookimpl(trylast=True)  # after -k / -m deselection and pytest-randomly's shuffle
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.collectonly:
        return
    busy = [item for item in items if _uses(item, "busy_matrix")]
    waiting = set(map(id, busy))
    if _xdist_worker():
        # Every worker collects every test, and only one runs the homeserver group. The
        # group goes first, so that worker starts it while the others take the rest (it
        # launches Synapse and the busy build at its first test, see pytest_runtest_setup);
        # within it the busy account's tests go last, to overlap its build. The order is
        # the same in every worker, as pytest-xdist requires.
        first = [item for item in items if _needs_homeserver(item) and id(item) not in waiting]
        taken = waiting | set(map(id, first))
        items[:] = first + busy + [item for item in items if id(item) not in taken]
        return
    if any(_uses(item, "synapse") for item in items):
        # Launched now, from the main thread: its start-up (~2 s of CPU) overlaps the rest
        # of collection and the tests before the first one that needs it.
        shared_synapse()
    if not busy:
        return
    # The busy account is built in the background as soon as a test that needs it is
    # collected (some 30 s of a homeserver's CPU). Its tests go last, so the rest of the
    # session runs meanwhile instead of waiting on it; the others keep their (shuffled) order.
    items[:] = [item for item in items if id(item) not in waiting] + busy
    busy_account()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not (_xdist_worker() and _needs_homeserver(item)):
        return
    # The first homeserver test of the worker that runs the group: launch the shared
    # Synapse and start the busy build now, so both overlap the group's other tests.
    if any(_uses(other, "synapse") for other in item.session.items):
        shared_synapse()
    if any(_uses(other, "busy_matrix") for other in item.session.items):
        busy_account()


def pytest_sessionfinish() -> None:
    # Never leave a homeserver running, even when no test used it.
    while _busy:
        _busy.pop().stop()
    while _shared:
        _stop_shared(_shared.pop())


def _stop_shared(server: SynapseServer) -> None:
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def busy_matrix() -> Iterator[BusyAccount]:
    """A second homeserver with 50 bridged rooms and 2,000 messages for one user."""
    busy = busy_account()
    busy.wait()
    yield busy
    if _busy:
        _busy.pop().stop()


@pytest.fixture(scope="session")
def synapse() -> Iterator[SynapseServer]:
    """A real Synapse on loopback (SQLite, a temp folder), once per test session; launched
    at collection when a test needs it (``shared_synapse``)."""
    server = shared_synapse()
    try:
        if server.process is None:
            server.start()  # stopped by a test and not started again
        else:
            server.wait_ready()
        yield server
    finally:
        if _shared:
            _stop_shared(_shared.pop())


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


@dataclass
class PushReceiver:
    """A real HTTP server on loopback that records what apprise's ``json://`` pushes post."""

    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    delay: float = 0.0
    """Seconds each answer waits (a slow push service)."""

    def url(self, path: str = "hook", user: str = "") -> str:
        auth = f"{user}@" if user else ""
        return f"json://{auth}127.0.0.1:{self.port}/{path}"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Until ``count`` pushes arrived (or ``timeout`` seconds: then what did)."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    receiver = PushReceiver(0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            time.sleep(receiver.delay)
            self.send_response(200)
            self.end_headers()
            with receiver.changed:
                receiver.received.append(body)
                receiver.paths.append(self.path)
                receiver.changed.notify_all()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _screen_share_off() -> Iterator[None]:
    """Screen sharing is one process-wide switch (the app sets it, every renderer reads it):
    a test that turned it on must not leave the next test's rows drawn as hidden marks."""
    from tui.widgets.safe import SCREEN_SHARE

    SCREEN_SHARE.on = False
    yield
    SCREEN_SHARE.on = False


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """Every test leaves the logging setup as it found it, so no test depends on order.

    A test that raises the root logger's level (or adds a handler) and forgets to undo it
    would make every later test see library chatter, e.g. httpx logging full URLs at INFO.
    """
    root = logging.getLogger()
    level, handlers, filters = root.level, list(root.handlers), list(root.filters)
    loggers = {
        name: (item.level, list(item.handlers), item.propagate)
        for name, item in logging.root.manager.loggerDict.items()
        if isinstance(item, logging.Logger)
    }
    factory = logging.getLogRecordFactory()
    yield
    root.setLevel(level)
    root.handlers[:] = [h for h in root.handlers if h in handlers or _is_capture(h)]
    root.filters[:] = filters
    for name, (item_level, item_handlers, propagate) in loggers.items():
        item = logging.getLogger(name)
        item.setLevel(item_level)
        item.handlers[:] = [h for h in item.handlers if h in item_handlers or _is_capture(h)]
        item.propagate = propagate
    logging.setLogRecordFactory(factory)


def _is_capture(handler: logging.Handler) -> bool:
    # pytest's own capture handlers come and go with its fixtures; leave them to pytest.
    return type(handler).__module__.startswith("_pytest")


@dataclass
class ServiceRig:
    """A service (runtime + socket) on the loopback simulator, and dashboards attached to it."""

    sim: Simulator
    base_url: str
    runtime: Runtime
    service: LocalService
    server: ServiceServer
    tmp: Path
    clients: list[RemoteService] = field(default_factory=list)

    async def attach(self) -> RemoteService:
        """One more dashboard's connection (closed with the rig)."""
        client = await RemoteService.connect(self.server.path)
        self.clients.append(client)
        return client

    def dashboard(self, client: RemoteService) -> DashboardApp:
        return DashboardApp(service=client, user_themes_dir=self.tmp / "themes")


@pytest.fixture
async def service_rig(tmp_path: Path) -> AsyncIterator[ServiceRig]:
    """A service synced once from the loopback simulator (accounts then paused), serving its
    socket; its outbox runs, so replies go out. Attach dashboards with ``rig.attach()``."""
    async with loopback_simulator(seed=5, clock=SimClock.fixed()) as (sim, base_url):
        config = sim.write_config(tmp_path / "config", base_url)
        runtime = await open_runtime(config, tmp_path / "data", clock=sim.clock.now)
        await runtime.engine.run_once()
        for account_id in runtime.engine.accounts:
            runtime.engine.pause(account_id)
        local = LocalService.of(runtime)
        server = ServiceServer(local, socket_path(tmp_path / "data", environ={}))
        await server.start()
        stop = asyncio.Event()
        outbox = asyncio.create_task(runtime.outbox.run(stop))
        rig = ServiceRig(sim, base_url, runtime, local, server, tmp_path)
        try:
            yield rig
        finally:
            for client in rig.clients:
                await client.close()
            stop.set()
            await outbox
            await server.close()
            await runtime.close()
