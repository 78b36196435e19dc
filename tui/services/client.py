"""A dashboard attached to ``linkdeck serve``: the ``Service`` interface over its socket.

Drawing reads the same database file directly (read-only use, WAL) and config.toml;
every change is a call to the service, and every event comes from it. When the service
goes away the dashboard keeps its screens, says so in the header, and reattaches as soon
as a service answers again. A reply written meanwhile waits in the store's outbox (the
one write a detached dashboard makes); the service sends it once when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui import __version__
from tui.adapters.base import Verification
from tui.config import Prefs, PrefsFile
from tui.domain import AccountStatus, OutboxItem, PrivacySettings
from tui.domain.clock import utc_now
from tui.services import wire
from tui.services.account_facts import LinkPlan
from tui.services.api import ConversationKey, PrefsChange, ServiceInfo, Triage
from tui.services.events import (
    ConversationsChanged,
    Event,
    OutboxChanged,
    PrefsChanged,
    ServiceState,
)
from tui.services.notifier import Notifier
from tui.services.wire import ServiceUnavailable
from tui.store import Store

if TYPE_CHECKING:
    import httpx

__all__ = ["Link", "RemoteService", "ServiceUnavailable", "VersionMismatch"]

log = logging.getLogger(__name__)

REATTACH_SECONDS = 0.5
"""How often a detached dashboard looks for a service on the socket."""
LOST = "service lost; reattaching when one runs (ctrl+b starts one)"
NOT_DONE = "Not done: no Linkdeck service is running. ctrl+b starts one; replies still queue."


class VersionMismatch(Exception):
    """The service and this dashboard are different versions (the message names both)."""


@dataclass
class Link:
    """Whether the service answers, and what the header says when it does not."""

    up: bool = False
    message: str = ""


class RemoteService:
    """The ``Service`` of a ``linkdeck serve`` process, reached over its Unix socket."""

    def __init__(self, path: Path, *, version: str = __version__) -> None:
        self.path = path
        self.version = version
        self.link = Link()
        self.transport: httpx.AsyncBaseTransport | None = None
        self.info = ServiceInfo(0, utc_now(), version, attached=True, socket=str(path))
        self.store: Store = None  # type: ignore[assignment]  # set by connect()
        self._prefs_file: PrefsFile | None = None
        self._prefs = Prefs()
        self._problems: list[str] = []
        self._statuses: dict[str, AccountStatus] = {}
        self._connected: set[str] = set()
        self._paused: set[str] = set()
        self._budget: dict[str, str | None] = {}
        self.database: Path | None = None
        self.notifier = Notifier(lambda: self.prefs.notifications, self.privacy)
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._queues: list[asyncio.Queue[Event]] = []
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._reattach_task: asyncio.Task[None] | None = None
        self._closed = False

    # --- attaching ------------------------------------------------------------------

    @classmethod
    async def connect(cls, path: Path, *, version: str = __version__) -> RemoteService:
        """Attach to the service on ``path``.

        Raises:
            ServiceUnavailable: nothing answers there.
            VersionMismatch: it runs another version (the message names both).
        """
        service = cls(path, version=version)
        await service._attach()
        assert service.database is not None
        service.store = await Store.open(service.database)
        return service

    async def _attach(self) -> None:
        try:
            reader, writer = await asyncio.open_unix_connection(str(self.path), limit=wire.MAX_LINE)
        except OSError as exc:
            raise ServiceUnavailable(f"no Linkdeck service on {self.path}") from exc
        try:
            writer.write(wire.encode({"hello": {"version": self.version, "pid": os.getpid()}}))
            await writer.drain()
            first = await reader.readline()
            if not first:
                raise ServiceUnavailable("the service closed the connection (another user?)")
            message = wire.decode(first)
            if "refused" in message:
                raise VersionMismatch(str(message["refused"]))
            hello = message.get("hello") or {}
            theirs = str(hello.get("version", "?"))
            if theirs != self.version:
                raise VersionMismatch(wire.version_line(theirs, self.version))
            state = wire.decode(await reader.readline()).get("state") or {}
        except BaseException:
            writer.close()
            raise
        self.info = ServiceInfo(
            int(hello.get("pid", 0)),
            datetime.fromisoformat(str(hello["started_at"])),
            theirs,
            attached=True,
            socket=str(self.path),
        )
        self.database = Path(str(hello["database"]))
        self._prefs_file = PrefsFile(Path(str(hello["config"])))
        self._reload_prefs()
        self._apply_state(state)
        self._writer = writer
        self.link.up, self.link.message = True, ""
        self._reader_task = asyncio.create_task(self._read(reader))

    async def close(self) -> None:
        self._closed = True
        for task in (self._reader_task, self._reattach_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._writer is not None:
            self._writer.close()
        if self.store is not None:
            await self.store.close()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                self._receive(wire.decode(line))
        except (ConnectionError, ValueError, asyncio.LimitOverrunError) as exc:
            log.info("the service connection broke (%s)", type(exc).__name__)
        if not self._closed:
            self._lost()

    def _receive(self, message: dict[str, Any]) -> None:
        if "state" in message:
            self._apply_state(message["state"])
        elif "event" in message:
            event: Event = wire.converter.structure(message["event"], Event)  # type: ignore[arg-type]
            if isinstance(event, PrefsChanged):
                self._reload_prefs()
            self._publish(event)
        elif "id" in message:
            future = self._pending.pop(int(message["id"]), None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(wire.error_from_wire(message["error"]))
                else:
                    future.set_result(message.get("ok"))

    def _lost(self) -> None:
        self.link.up, self.link.message = False, LOST
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ServiceUnavailable("the service went away"))
        self._pending.clear()
        self._publish(ServiceState(False, LOST))
        if self._reattach_task is None or self._reattach_task.done():
            self._reattach_task = asyncio.create_task(self._reattach())

    async def _reattach(self) -> None:
        while not self._closed:
            await asyncio.sleep(REATTACH_SECONDS)
            try:
                await self._attach()
            except ServiceUnavailable:
                continue
            except VersionMismatch as exc:
                self.link.message = str(exc)
                self._publish(ServiceState(False, str(exc)))
                continue
            except (OSError, ValueError, KeyError) as exc:
                log.info("reattach failed (%s)", type(exc).__name__)
                continue
            self._publish(ServiceState(True, ""))
            # Whatever happened while detached: every screen reads again.
            self._publish(PrefsChanged("all"))
            self._publish(ConversationsChanged("", ()))
            return

    def start_service(self) -> bool:
        """Start ``linkdeck serve`` for this data folder in the background (the user asked)."""
        if self.link.up or self._prefs_file is None or self.database is None:
            return False
        data_dir = self.database.parent
        log_path = data_dir / "service.log"
        with open(log_path, "ab") as output:
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tui",
                    "serve",
                    "--config",
                    str(self._prefs_file.path),
                    "--data-dir",
                    str(data_dir),
                ],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        self.link.message = "starting a service…"
        self._publish(ServiceState(False, self.link.message))
        return True

    # --- state pushed by the service ------------------------------------------------

    def _apply_state(self, state: dict[str, Any]) -> None:
        statuses = wire.converter.structure(state.get("statuses", []), list[AccountStatus])
        self._statuses = {s.account_id: s for s in statuses}
        self._connected = set(state.get("connected", []))
        self._paused = set(state.get("paused", []))
        self._budget = dict(state.get("budget", {}))
        self._problems = [str(p) for p in state.get("problems", [])]

    def _reload_prefs(self) -> None:
        if self._prefs_file is not None:
            self._prefs, _problems = self._prefs_file.load()

    def _publish(self, event: Event) -> None:
        for queue in self._queues:
            queue.put_nowait(event)

    # --- reads ------------------------------------------------------------------------

    @property
    def prefs(self) -> Prefs:
        return self._prefs

    @property
    def problems(self) -> list[str]:
        return self._problems

    @property
    def config_path(self) -> Path:
        assert self._prefs_file is not None
        return self._prefs_file.path

    def clock(self) -> datetime:
        return utc_now()

    def statuses(self) -> Sequence[AccountStatus]:
        return list(self._statuses.values())

    def status(self, account_id: str) -> AccountStatus | None:
        return self._statuses.get(account_id)

    def privacy(self, account_id: str) -> PrivacySettings:
        return self._prefs.privacy_for(account_id)

    def connected(self, account_id: str) -> bool:
        return account_id in self._connected

    def paused(self, account_id: str) -> bool:
        return account_id in self._paused

    def budget_line(self, account_id: str) -> str | None:
        return self._budget.get(account_id)

    # --- calls ------------------------------------------------------------------------

    async def _call(self, name: str, result: Any, /, **args: Any) -> Any:
        writer = self._writer
        if not self.link.up or writer is None:
            raise ServiceUnavailable("no Linkdeck service is running: the change was not made")
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        wired = {key: wire.converter.unstructure(value) for key, value in args.items()}
        writer.write(wire.encode({"id": ident, "call": name, "args": wired}))
        await writer.drain()
        value = await future
        return None if result is None else wire.converter.structure(value, result)

    async def _change(self, name: str, /, **args: Any) -> None:
        """A change with no answer: without a service it is not made, and the user is told."""
        try:
            await self._call(name, None, **args)
        except ServiceUnavailable:
            self._publish(ServiceState(False, self.link.message or LOST, notice=NOT_DONE))

    async def triage(
        self, key: ConversationKey, action: Triage, *, until: datetime | None = None
    ) -> None:
        await self._change("triage", key=key, action=action, until=until)

    async def set_labels(self, key: ConversationKey, labels: Sequence[str]) -> None:
        await self._change("set_labels", key=key, labels=list(labels))

    async def open_conversation(self, key: ConversationKey, recipient_id: str) -> None:
        await self._change("open_conversation", key=key, recipient_id=recipient_id)

    async def wake_snoozed(self) -> None:
        if self.link.up:
            await self._call("wake_snoozed", None)

    async def link_people(self, a: ConversationKey, b: ConversationKey) -> None:
        await self._change("link_people", a=a, b=b)

    async def send_reply(
        self,
        key: ConversationKey,
        recipient_id: str,
        text: str,
        *,
        human_agent: bool = False,
        in_reply_to: str | None = None,
    ) -> OutboxItem:
        if self.link.up:
            with contextlib.suppress(ServiceUnavailable):
                item: OutboxItem = await self._call(
                    "send_reply",
                    OutboxItem,
                    key=key,
                    recipient_id=recipient_id,
                    text=text,
                    human_agent=human_agent,
                    in_reply_to=in_reply_to,
                )
                return item
        # No service: the reply waits in the outbox; the next service sends it, once.
        from tui.services.outbox import REPLY_TAG  # here: the dashboard rarely needs it

        queued = await self.store.enqueue(
            account_id=key[0],
            conversation_id=key[1],
            recipient_id=recipient_id,
            action="text",
            text=text,
            tag=REPLY_TAG + in_reply_to if in_reply_to else "HUMAN_AGENT" if human_agent else None,
            at=self.clock(),
        )
        self._publish(OutboxChanged(queued))
        return queued

    async def retry(self, outbox_id: int) -> None:
        await self._change("retry", outbox_id=outbox_id)

    async def save_draft(self, key: ConversationKey, text: str) -> None:
        if self.link.up:
            try:
                await self._call("save_draft", None, key=key, text=text)
                return
            except ServiceUnavailable:
                pass
        await self._keep_draft_detached(key, text)

    async def clear_draft(self, key: ConversationKey) -> None:
        if self.link.up:
            try:
                await self._call("clear_draft", None, key=key)
                return
            except ServiceUnavailable:
                pass
        await self._keep_draft_detached(key, "")

    async def _keep_draft_detached(self, key: ConversationKey, text: str) -> None:
        """No service: like a reply, a draft is written to the store by the dashboard itself,
        so quitting or a crash while detached keeps it. Where the account keeps no message
        text on disk, it stays in the composer only, as the service would do."""
        if self.privacy(key[0]).store_bodies:
            await self.store.save_draft(key[0], key[1], text, self.clock())

    async def get_draft(self, key: ConversationKey) -> str | None:
        if not self.link.up:
            return await self.store.get_draft(*key)
        found: str | None = await self._call("get_draft", str | None, key=key)
        return found

    async def unstored_draft_count(self) -> int:
        if not self.link.up:
            return 0
        count: int = await self._call("unstored_draft_count", int)
        return count

    async def typing(self, key: ConversationKey, recipient_id: str) -> None:
        if self.link.up:
            with contextlib.suppress(ServiceUnavailable):
                await self._call("typing", None, key=key, recipient_id=recipient_id)

    async def update_prefs(self, change: PrefsChange) -> None:
        writer = self._writer
        if not self.link.up or writer is None:
            raise ServiceUnavailable("no Linkdeck service is running: not saved")
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        data = wire.converter.unstructure(change, PrefsChange)
        writer.write(wire.encode({"id": ident, "call": "update_prefs", "args": {"change": data}}))
        await writer.drain()
        await future
        self._reload_prefs()

    async def purge_bodies(self, account_id: str) -> int:
        count: int = await self._call("purge_bodies", int, account_id=account_id)
        return count

    async def purge_history(self) -> int:
        count: int = await self._call("purge_history", int)
        return count

    async def set_paused(self, account_id: str, paused: bool) -> None:
        await self._change("set_paused", account_id=account_id, paused=paused)

    async def verify(self, account_id: str) -> Verification | None:
        found: Verification | None = await self._call(
            "verify", Verification | None, account_id=account_id
        )
        return found

    async def link_account(self, plan: LinkPlan) -> None:
        await self._call("link_account", None, plan=plan)
        self._reload_prefs()

    async def unlink_account(self, account_id: str, *, purge: bool) -> int:
        count: int = await self._call("unlink_account", int, account_id=account_id, purge=purge)
        self._reload_prefs()
        return count

    async def reauthenticate(
        self, account_id: str, token: str, expires_at: datetime | None = None
    ) -> Verification:
        found: Verification = await self._call(
            "reauthenticate",
            Verification,
            account_id=account_id,
            token=token,
            expires_at=expires_at,
        )
        return found

    # --- events -----------------------------------------------------------------------

    async def events(self) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.remove(queue)
