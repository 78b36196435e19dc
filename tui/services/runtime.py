"""Wiring: preferences -> tokens -> adapters, store, event bus, sync engine and outbox."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from tui.adapters import make_adapter
from tui.adapters.base import PlatformAdapter
from tui.config import Prefs, PrefsFile, SecretError, resolve_token
from tui.config.paths import database_path, ensure_private_dir, secrets_path_for
from tui.config.prefs import AccountConfig
from tui.config.secrets import app_secret_or_none
from tui.config.webhooks import resolve_webhook_secrets
from tui.domain import PrivacySettings
from tui.domain.models import InstagramApi, Platform
from tui.services.alerting import AlertService
from tui.services.api import AlreadyRunning
from tui.services.budget import ThrottledTransport, WebhookHealth, plan_accounts
from tui.services.events import EventBus
from tui.services.maintenance import history_task
from tui.services.notifier import Notifier
from tui.services.outbox import Outbox
from tui.services.sync import AccountSync, SyncEngine
from tui.store import Store, StoreCorrupt

log = logging.getLogger(__name__)
LOCK_NAME = "linkdeck.lock"

BackgroundTask = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""Work that runs beside the engine until the stop event is set."""


@dataclass
class Runtime:
    """Everything a front end (dashboard or headless sync) drives.

    ``prefs`` is replaced whenever the user changes a setting; the engine, the outbox
    and the notifier read it through callables, so a change acts on the next message.
    """

    prefs: Prefs
    prefs_file: PrefsFile
    store: Store
    bus: EventBus
    engine: SyncEngine
    outbox: Outbox
    adapters: dict[str, PlatformAdapter]
    problems: list[str] = field(default_factory=list)
    """Config and secret problems to show the user (never containing a token)."""
    data_dir: Path | None = None
    transport: httpx.AsyncBaseTransport | None = None
    """The HTTP transport every adapter uses (the in-process simulator in the demo)."""
    extra_tasks: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = field(
        default_factory=list
    )
    """More work to run beside the engine until the stop event (the demo's traffic)."""
    on_close: list[Callable[[], None]] = field(default_factory=list)
    webhook_health: WebhookHealth = field(default_factory=WebhookHealth)
    """Whether webhooks bring messages; the budget planner polls slowly while they do."""
    notifier: Notifier | None = None
    """The rule engine the dashboard's alerts use; it reads ``prefs`` at each message."""
    alerting: AlertService | None = None
    unstored_drafts: dict[tuple[str, str], str] = field(default_factory=dict)
    """Drafts of accounts whose privacy keeps no message text: this session only."""
    """Rules on every live batch, pushes, account trouble: runs among ``extra_tasks``."""
    _lock: IO[str] | None = None

    def privacy(self, account_id: str) -> PrivacySettings:
        return self.prefs.privacy_for(account_id)

    def reload_prefs(self) -> None:
        prefs, problems = self.prefs_file.load()
        self.prefs = prefs
        self.problems = [str(p) for p in problems]

    async def close(self) -> None:
        for adapter in self.adapters.values():
            with contextlib.suppress(Exception):
                await adapter.client.aclose()
        await self.store.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        for callback in self.on_close:
            callback()


def _link_arg(account: AccountConfig | None) -> str:
    """What follows ``linkdeck link`` to sign this account in again."""
    if account is None or account.platform is not Platform.INSTAGRAM:
        return "messenger"
    return "instagram-login" if account.api is InstagramApi.INSTAGRAM_LOGIN else "instagram"


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold an exclusive lock on the data directory for this process's life."""
    handle = open(data_dir / LOCK_NAME, "a+")  # noqa: SIM115 (held until close)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise AlreadyRunning(
            f"another Linkdeck{who} is already using {data_dir}; close it first, "
            "or pass --data-dir to use another folder"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _move_aside(path: Path) -> Path:
    """Rename the database and its WAL companions to ``<name>.corrupt-<time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    return aside


async def open_store(path: Path, problems: list[str]) -> Store:
    """Open the database; an unreadable one is moved aside (never deleted) and resynced.

    Everything in the store can be fetched again from the platforms, except the local
    triage state and the activity log: those stay in the moved file for the user.
    """
    try:
        return await Store.open(path)
    except StoreCorrupt as exc:
        aside = _move_aside(path)
        log.warning("database unreadable (%s); moved aside to %s", exc, aside)
        problems.append(
            f"The database could not be read and was moved aside to {aside}; "
            "your messages are being synced again."
        )
        return await Store.open(path)


async def open_runtime(
    config_path: Path,
    data_dir: Path,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    environ: dict[str, str] | None = None,
    lock: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> Runtime:
    """Load the preferences, resolve every token, open the store and build the services."""
    prefs_file = PrefsFile(config_path)
    prefs, config_problems = prefs_file.load()
    problems = [str(p) for p in config_problems]
    ensure_private_dir(data_dir)
    handle = lock_data_dir(data_dir) if lock else None
    try:
        store = await open_store(database_path(data_dir), problems)
    except BaseException:
        if handle is not None:
            handle.close()
        raise
    adapters: dict[str, PlatformAdapter] = {}
    secrets = secrets_path_for(config_path)
    now = clock or (lambda: datetime.now(UTC))
    for account_config in prefs.accounts:
        try:
            token = resolve_token(account_config, secrets, environ=environ)
        except SecretError as exc:
            problems.append(str(exc))
            continue
        own = transport
        meta = str(account_config.platform) in ("messenger", "instagram")
        if own is None and meta and account_config.graph_url is None:
            # Meta's own hosts: at most 2 calls per second per account (rate-limiting.md).
            own = ThrottledTransport(httpx.AsyncHTTPTransport())
        adapters[account_config.id] = make_adapter(
            account_config.to_account(),
            token,
            transport=own,
            clock=now,
            app_secret=app_secret_or_none(account_config.app, secrets, environ=environ),
        )
    bus = EventBus()
    runtime = Runtime(
        prefs=prefs,
        prefs_file=prefs_file,
        store=store,
        bus=bus,
        engine=None,  # type: ignore[arg-type]  # set just below, needs runtime.privacy
        outbox=None,  # type: ignore[arg-type]
        adapters=adapters,
        transport=transport,
        problems=problems,
        data_dir=data_dir,
        _lock=handle,
    )
    runtime.engine = SyncEngine(
        store, adapters, bus, privacy=runtime.privacy, poll_seconds=prefs.poll_seconds, clock=now
    )
    hooks = prefs.webhooks

    def plan(sync: AccountSync) -> None:
        config = runtime.prefs.account(sync.account.id)
        plan_accounts(
            {sync.account.id: sync},
            share=hooks.budget_share,
            engaged_users=hooks.engaged_users,
            health=runtime.webhook_health,
            meta_hosted=lambda _a: config is not None and config.graph_url is None,
        )

    runtime.engine.plan = plan
    for sync in runtime.engine.accounts.values():
        plan(sync)
    for account_config in prefs.accounts:
        if account_config.paused and account_config.id in runtime.engine.accounts:
            runtime.engine.accounts[account_config.id].paused = True
    runtime.outbox = Outbox(store, adapters, bus, privacy=runtime.privacy, clock=now)
    runtime.notifier = Notifier(lambda: runtime.prefs.notifications, runtime.privacy)
    runtime.alerting = AlertService(
        store,
        bus,
        runtime.notifier,
        lambda: runtime.prefs.notifications,
        clock=now,
        link_arg=lambda account_id: _link_arg(runtime.prefs.account(account_id)),
    )
    runtime.extra_tasks.append(runtime.alerting.run)
    if hooks.enabled:
        _start_webhooks(runtime, secrets, environ)
    runtime.extra_tasks.append(
        history_task(store, lambda: [a.id for a in runtime.prefs.accounts], runtime.privacy)
    )
    return runtime


def _start_webhooks(runtime: Runtime, secrets: Path, environ: dict[str, str] | None) -> None:
    """``[webhooks] enabled = true``: the receiver and processor run beside the engine."""
    hooks = runtime.prefs.webhooks
    try:
        verify, secret = resolve_webhook_secrets(hooks, secrets, environ=environ)
    except SecretError as exc:
        runtime.problems.append(f"Webhooks off: {exc}")
        return
    runtime.extra_tasks.append(
        webhook_receiver(runtime, verify, secret, host=hooks.host, port=hooks.port)
    )


def webhook_receiver(
    runtime: Runtime, verify_token: str, app_secret: str | tuple[str, ...], **options: Any
) -> BackgroundTask:
    """The webhook receiver and processor (``tui.webhooks.service.webhook_task``, with
    ``options``) as a task for ``Runtime.extra_tasks``.

    Their code (aiohttp and the webhook modules, about 90 ms of imports) is imported on a
    worker thread when the task starts, not when the runtime opens: the event loop goes on
    meanwhile, and a dashboard that runs the service draws its inbox instead of waiting
    (the demo's inbox shows about 100 ms sooner, bench.startup's "inbox loaded at").
    """

    def receiver_code() -> Callable[..., BackgroundTask]:
        from tui.webhooks.service import webhook_task

        return webhook_task

    async def run(stop: asyncio.Event) -> None:
        webhook_task = await asyncio.to_thread(receiver_code)
        await webhook_task(runtime, verify_token, app_secret, **options)(stop)

    return run
