"""The service's Unix socket: one per data folder, 0600, same user only (SO_PEERCRED).

Dashboards attach here (see ``tui/services/client.py``); the wire format is in
``tui/services/wire.py``. The socket lives in ``$XDG_RUNTIME_DIR/linkdeck/`` (or the data
folder without a runtime dir), named after the data folder so two folders never clash.
Whoever holds the data folder's lock owns the socket: a socket file found by the lock's
new holder was left by a killed service and is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
from pathlib import Path
from typing import Any

from tui import __version__
from tui.config.paths import ensure_private_dir, socket_path
from tui.domain import AccountStatus
from tui.services import wire
from tui.services.events import AccountStateChanged, Event, PrefsChanged, carry_conversations
from tui.services.local import LocalService

__all__ = [
    "CALLS",
    "ServiceServer",
    "peer_allowed",
    "peer_credentials",
    "socket_path",
]

log = logging.getLogger(__name__)

CALLS = frozenset(
    {
        "triage",
        "set_labels",
        "open_conversation",
        "wake_snoozed",
        "link_people",
        "send_reply",
        "retry",
        "save_draft",
        "clear_draft",
        "get_draft",
        "unstored_draft_count",
        "typing",
        "update_prefs",
        "purge_bodies",
        "purge_history",
        "set_paused",
        "verify",
        "link_account",
        "unlink_account",
        "reauthenticate",
    }
)
"""The service methods a dashboard may call over the socket (every change it makes)."""
STATE_EVERY = 30.0
"""Seconds between state pushes when nothing changed (the budget lines age)."""


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a Unix socket (Linux)."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def peer_allowed(peer_uid: int, own_uid: int) -> bool:
    """Only the user who runs the service may attach (root included only when it is root)."""
    return peer_uid == own_uid


def _state(service: LocalService) -> dict[str, Any]:
    statuses: list[AccountStatus] = list(service.statuses())
    accounts = [a.id for a in service.prefs.accounts]
    return {
        "statuses": wire.converter.unstructure(statuses, list[AccountStatus]),
        "connected": [a for a in accounts if service.connected(a)],
        "paused": [a for a in accounts if service.paused(a)],
        "budget": {a: service.budget_line(a) for a in accounts},
        "problems": list(service.problems),
    }


class ServiceServer:
    """Serves one ``LocalService`` to every dashboard that attaches."""

    def __init__(
        self,
        service: LocalService,
        path: Path,
        *,
        version: str = __version__,
        own_uid: int | None = None,
    ) -> None:
        self.service = service
        self.path = path
        self.version = version
        self.own_uid = os.getuid() if own_uid is None else own_uid
        self.clients = 0
        """Dashboards attached right now."""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_event: tuple[Event, asyncio.Task[bytes]] | None = None
        """The event pushed last and its line as sent (see ``_event_line``)."""

    async def start(self) -> None:
        """Listen; a socket file left by a killed service is replaced.

        Raises:
            OSError: another process answers on the socket (it is not stale).
        """
        ensure_private_dir(self.path.parent)
        if self.path.exists() or self.path.is_symlink():
            if await _answers(self.path):
                raise OSError(f"another Linkdeck service answers on {self.path}")
            log.info("replacing the stale socket %s", self.path)
            self.path.unlink()
        old = os.umask(0o177)  # created 0600: no moment where others could connect
        try:
            self._server = await asyncio.start_unix_server(
                self._attach, path=str(self.path), limit=wire.MAX_LINE
            )
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _attach(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            log.info("a dashboard went away (%s)", type(exc).__name__)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        pid, uid, _gid = peer_credentials(sock)
        if not peer_allowed(uid, self.own_uid):
            log.warning("refused a connection from uid %d (pid %d): not this user", uid, pid)
            return
        hello = wire.decode(await reader.readline()).get("hello") or {}
        theirs = str(hello.get("version", "?"))
        if theirs != self.version:
            line = wire.version_line(self.version, theirs)
            log.warning("refused a dashboard (pid %d): %s", pid, line)
            writer.write(wire.encode({"refused": line}))
            await writer.drain()
            return
        lock = asyncio.Lock()
        bus = self.service.runtime.bus
        queue = bus.subscribe()  # before the state is sent: nothing falls in between
        self.clients += 1
        pusher = asyncio.create_task(self._push(queue, writer, lock))
        try:
            info = self.service.info
            await self._send(
                writer,
                lock,
                {
                    "hello": {
                        "version": self.version,
                        "pid": info.pid,
                        "started_at": info.started_at.isoformat(),
                        "config": str(self.service.config_path),
                        "database": str(self.service.database_path),
                        "clients": self.clients,
                    }
                },
            )
            await self._send(writer, lock, {"state": _state(self.service)})
            log.info("dashboard attached (pid %d)", pid)
            while request_line := await reader.readline():
                request = wire.decode(request_line)
                await self._send(writer, lock, await self._call(request))
        finally:
            self.clients -= 1
            bus.unsubscribe(queue)
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pusher

    async def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        ident = request.get("id")
        name = str(request.get("call", ""))
        if name not in CALLS:
            return {"id": ident, "error": {"type": "ValueError", "message": f"no call {name!r}"}}
        method = getattr(self.service, name)
        try:
            types = wire.hints(method)
            args = {
                key: wire.converter.structure(value, types[key])
                for key, value in dict(request.get("args") or {}).items()
            }
            result = await method(**args)
            return {"id": ident, "ok": wire.converter.unstructure(result, types["return"])}
        except Exception as exc:  # the caller shows it; the service keeps serving
            log.info("call %s failed: %s", name, type(exc).__name__)
            return {"id": ident, "error": wire.error_to_wire(exc)}

    async def _push(
        self, queue: asyncio.Queue[Event], writer: asyncio.StreamWriter, lock: asyncio.Lock
    ) -> None:
        while True:
            try:
                # asyncio.timeout, not wait_for: wait_for runs the get in a task of its
                # own, one more hop on every event's way to the dashboard.
                async with asyncio.timeout(STATE_EVERY):
                    event = await queue.get()
            except TimeoutError:
                await self._send(writer, lock, {"state": _state(self.service)})
                continue
            if isinstance(event, AccountStateChanged | PrefsChanged):
                # The client's statuses and prefs are current before its screens hear it.
                await self._send(writer, lock, {"state": _state(self.service)})
            await self._send_line(writer, lock, await self._event_line(event))

    async def _event_line(self, event: Event) -> bytes:
        """``event`` as sent to every dashboard, its changed conversations in it (the
        dashboard reads none back): read and encoded once for all of them, not once per
        dashboard. The bus hands each dashboard's queue the same event object, and the
        queues are served together, so the last event is the one to keep. With one
        dashboard the line is made right here (a task of its own would be one more hop on
        the event's way)."""
        if self.clients <= 1:
            self._last_event = None
            return await self._encode_event(event)
        last = self._last_event
        if last is None or last[0] is not event:
            last = self._last_event = (event, asyncio.create_task(self._encode_event(event)))
        # Shielded: a dashboard leaving mid-read must not cancel the others' line.
        return await asyncio.shield(last[1])

    async def _encode_event(self, event: Event) -> bytes:
        event = await carry_conversations(self.service.runtime.store, event)
        return wire.encode({"event": wire.converter.unstructure(event, Event)})

    @classmethod
    async def _send(cls, writer: asyncio.StreamWriter, lock: asyncio.Lock, message: Any) -> None:
        await cls._send_line(writer, lock, wire.encode(message))

    @staticmethod
    async def _send_line(writer: asyncio.StreamWriter, lock: asyncio.Lock, line: bytes) -> None:
        async with lock:
            writer.write(line)
            await writer.drain()


async def _answers(path: Path) -> bool:
    """Whether something accepts connections on the socket at ``path``."""
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), 2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return True
