"""The service in this process: the ``Service`` interface over a ``Runtime``.

``linkdeck serve`` wraps the same object behind its socket, so what a dashboard does
in-process and what it does attached to a service are one code path.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path

import httpx

from tui import __version__
from tui.adapters.base import Verification
from tui.config import Prefs, PrefsFile
from tui.config.paths import database_path
from tui.domain import AccountStatus, OutboxItem, PrivacySettings, TriageStatus
from tui.domain.clock import utc_now
from tui.services import drafts, maintenance
from tui.services.account_facts import LinkPlan
from tui.services.accounts import AccountManager
from tui.services.api import (
    ConversationKey,
    PrefsChange,
    ServiceInfo,
    SetAccountField,
    SetDnd,
    SetPrivacy,
    SetRuleEnabled,
    SetRules,
    SetUi,
    Triage,
)
from tui.services.budget import WebhookHealth, freshness_text
from tui.services.events import ConversationsChanged, Event, PrefsChanged, carry_conversations
from tui.services.notifier import Notifier, save_dnd
from tui.services.runtime import Runtime
from tui.services.supervise import supervised
from tui.services.sync import AccountSync
from tui.store import Store

__all__ = ["LocalService", "apply_change", "budget_line"]


def apply_change(prefs_file: PrefsFile, change: PrefsChange) -> str:
    """Write one change to config.toml (only the keys it touches); returns what changed."""
    if isinstance(change, SetRules):
        prefs_file.set_rules(change.rules)
        return "rules"
    if isinstance(change, SetRuleEnabled):
        prefs_file.set_rule_enabled(change.index, change.enabled)
        return "rules"
    if isinstance(change, SetPrivacy):
        prefs_file.set_privacy(change.account_id, change.key, change.value)
        return "privacy"
    if isinstance(change, SetDnd):
        save_dnd(prefs_file, change.on, change.until)
        return "notifications"
    if isinstance(change, SetUi):
        prefs_file.set_ui(change.key, change.value)
        return "ui"
    if isinstance(change, SetAccountField):
        prefs_file.set_account_field(change.account_id, change.key, change.value)
        return "accounts"
    raise TypeError(f"unknown preference change {type(change).__name__}")


def budget_line(sync: AccountSync, health: WebhookHealth) -> str | None:
    """``Polling: new messages within about 6 min at this budget; 1,420 of 2,000 calls
    left (24 h)`` for accounts whose calls Meta budgets."""
    planner = sync.planner
    if planner is None:
        return None
    now = sync.clock().timestamp()
    healthy = health.healthy(sync.account.id, now)
    fresh = freshness_text(planner.freshness(sync.poll_cost, webhooks_healthy=healthy, now=now))
    left, allowance = planner.left(now), planner.allowance
    return f"Polling: {fresh}; {left:,.0f} of {allowance:,.0f} calls left (24 h)"


class LocalService:
    """Every change a dashboard makes, carried out on the runtime, then announced once."""

    def __init__(self, runtime: Runtime, *, started_at: datetime | None = None) -> None:
        self.runtime = runtime
        self.store: Store = runtime.store
        self.transport: httpx.AsyncBaseTransport | None = runtime.transport
        self.info = ServiceInfo(os.getpid(), started_at or utc_now(), __version__)
        self._manager: AccountManager | None = None
        if runtime.notifier is None:
            runtime.notifier = Notifier(lambda: runtime.prefs.notifications, runtime.privacy)
        self.notifier: Notifier = runtime.notifier

    @classmethod
    def of(cls, runtime: Runtime) -> LocalService:
        """The one service of this runtime (created on first use)."""
        existing = getattr(runtime, "_service", None)
        if isinstance(existing, LocalService):
            return existing
        service = cls(runtime)
        runtime._service = service  # type: ignore[attr-defined]
        return service

    @property
    def manager(self) -> AccountManager:
        if self._manager is None:
            self._manager = AccountManager(
                self.runtime, transport=self.runtime.transport, clock=self.clock
            )
        return self._manager

    async def run(
        self,
        stop: asyncio.Event,
        on_failure: Callable[[str, BaseException, int], None] | None = None,
    ) -> None:
        """The service's own work until ``stop``: sync, the outbox, rules, retention, extras.

        A task that dies on an error is restarted (and ``on_failure`` told): never a
        service that looks alive while nothing syncs.
        """
        runtime = self.runtime
        named = [
            ("the sync engine", runtime.engine.run),
            ("the outbox", runtime.outbox.run),
            *(
                (getattr(extra, "__name__", "a background task"), extra)
                for extra in runtime.extra_tasks
            ),
        ]
        tasks = [
            asyncio.create_task(supervised(name, run, stop, on_failure=on_failure))
            for name, run in named
        ]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # --- reads ------------------------------------------------------------------------

    @property
    def prefs(self) -> Prefs:
        return self.runtime.prefs

    @property
    def problems(self) -> list[str]:
        return self.runtime.problems

    @property
    def config_path(self) -> Path:
        return self.runtime.prefs_file.path

    @property
    def database_path(self) -> Path:
        data_dir = self.runtime.data_dir
        return database_path(data_dir) if data_dir is not None else Path()

    def clock(self) -> datetime:
        return self.runtime.engine.clock()

    def statuses(self) -> Sequence[AccountStatus]:
        return self.runtime.engine.statuses()

    def status(self, account_id: str) -> AccountStatus | None:
        sync = self.runtime.engine.accounts.get(account_id)
        return sync.status if sync is not None else None

    def privacy(self, account_id: str) -> PrivacySettings:
        return self.runtime.privacy(account_id)

    def connected(self, account_id: str) -> bool:
        return account_id in self.runtime.adapters

    def paused(self, account_id: str) -> bool:
        sync = self.runtime.engine.accounts.get(account_id)
        if sync is not None:
            return sync.paused
        config = self.prefs.account(account_id)
        return bool(config and config.paused)

    def budget_line(self, account_id: str) -> str | None:
        sync = self.runtime.engine.accounts.get(account_id)
        return budget_line(sync, self.runtime.webhook_health) if sync is not None else None

    # --- inbox ------------------------------------------------------------------------

    def _announce(self, *keys: ConversationKey) -> None:
        by_account: dict[str, list[str]] = {}
        for account_id, remote_id in keys:
            by_account.setdefault(account_id, []).append(remote_id)
        for account_id, ids in by_account.items():
            self.runtime.bus.publish(ConversationsChanged(account_id, tuple(ids)))

    async def triage(
        self, key: ConversationKey, action: Triage, *, until: datetime | None = None
    ) -> None:
        store = self.store
        if action is Triage.DONE:
            await store.set_status(*key, TriageStatus.DONE)
        elif action is Triage.REOPEN:
            await store.set_status(*key, TriageStatus.OPEN)
        elif action is Triage.READ:
            await store.mark_read(*key)
        elif action is Triage.UNREAD:
            await store.mark_unread(*key)
        elif action in (Triage.PIN, Triage.UNPIN):
            await store.set_flag(*key, pinned=action is Triage.PIN)
        elif action in (Triage.MUTE, Triage.UNMUTE):
            await store.set_flag(*key, muted=action is Triage.MUTE)
        elif action is Triage.SNOOZE:
            if until is None:
                raise ValueError("snooze needs a time")
            await store.set_status(*key, TriageStatus.SNOOZED, snoozed_until=until)
        else:
            raise ValueError(f"unknown triage action {action!r}")
        self._announce(key)

    async def set_labels(self, key: ConversationKey, labels: Sequence[str]) -> None:
        await self.store.set_labels(*key, list(labels))
        self._announce(key)

    async def open_conversation(self, key: ConversationKey, recipient_id: str) -> None:
        await self.store.mark_read(*key)
        await self.runtime.outbox.sender_action(*key, recipient_id, "mark_seen")
        self._announce(key)

    async def wake_snoozed(self) -> None:
        woken = await self.store.wake_snoozed(self.clock())
        if woken:
            self._announce(*woken)

    async def link_people(self, a: ConversationKey, b: ConversationKey) -> None:
        await maintenance.link_people(self.store, self.runtime.privacy, a, b)
        self._announce(a, b)

    # --- replies ----------------------------------------------------------------------

    async def send_reply(
        self,
        key: ConversationKey,
        recipient_id: str,
        text: str,
        *,
        human_agent: bool = False,
        in_reply_to: str | None = None,
    ) -> OutboxItem:
        return await self.runtime.outbox.send_text(
            *key,
            recipient_id=recipient_id,
            text=text,
            human_agent=human_agent,
            in_reply_to=in_reply_to,
        )

    async def retry(self, outbox_id: int) -> None:
        await self.runtime.outbox.retry(outbox_id)

    async def save_draft(self, key: ConversationKey, text: str) -> None:
        await drafts.save_draft(self.runtime, *key, text)

    async def clear_draft(self, key: ConversationKey) -> None:
        await drafts.clear_draft(self.runtime, *key)

    async def get_draft(self, key: ConversationKey) -> str | None:
        return await drafts.get_draft(self.runtime, *key)

    async def unstored_draft_count(self) -> int:
        return drafts.unstored_count(self.runtime)

    async def typing(self, key: ConversationKey, recipient_id: str) -> None:
        await self.runtime.outbox.sender_action(*key, recipient_id, "typing_on")

    # --- preferences ------------------------------------------------------------------

    async def update_prefs(self, change: PrefsChange) -> None:
        what = apply_change(self.runtime.prefs_file, change)
        self.runtime.reload_prefs()
        self.runtime.bus.publish(PrefsChanged(what))

    async def purge_bodies(self, account_id: str) -> int:
        count = await maintenance.purge_bodies(self.store, account_id, now=self.clock())
        # Every screen showing this account's texts redraws from the store now.
        self.runtime.bus.publish(ConversationsChanged(account_id, ()))
        return count

    async def purge_history(self) -> int:
        accounts = [a.id for a in self.prefs.accounts]
        counts = await maintenance.purge_history(
            self.store, accounts, self.runtime.privacy, self.clock()
        )
        for account_id, count in counts.items():
            if count:
                self.runtime.bus.publish(ConversationsChanged(account_id, ()))
        return sum(counts.values())

    # --- accounts ---------------------------------------------------------------------

    async def set_paused(self, account_id: str, paused: bool) -> None:
        await self.manager.set_paused(account_id, paused)
        self.runtime.bus.publish(PrefsChanged("accounts"))

    async def verify(self, account_id: str) -> Verification | None:
        await self.manager.refresh_if_due(account_id)
        return await self.manager.verify(account_id)

    async def link_account(self, plan: LinkPlan) -> None:
        await self.manager.link(plan)
        self.runtime.bus.publish(PrefsChanged("accounts"))

    async def unlink_account(self, account_id: str, *, purge: bool) -> int:
        purged = await self.manager.unlink(account_id, purge=purge)
        self.runtime.bus.publish(PrefsChanged("accounts"))
        return purged

    async def reauthenticate(
        self, account_id: str, token: str, expires_at: datetime | None = None
    ) -> Verification:
        return await self.manager.reauthenticate(account_id, token, expires_at)

    # --- events -----------------------------------------------------------------------

    async def events(self) -> AsyncIterator[Event]:
        queue = self.runtime.bus.subscribe()
        try:
            while True:
                yield await carry_conversations(self.runtime.store, await queue.get())
        finally:
            self.runtime.bus.unsubscribe(queue)
