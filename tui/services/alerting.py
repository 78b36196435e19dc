"""The service's notifications: rules on every live batch, pushes, and account trouble.

Runs wherever the service runs (``linkdeck serve``, ``linkdeck sync`` or inside the
dashboard), so rules, quiet hours, do-not-disturb and flood control act with no screen
attached. Terminal sinks belong to the dashboards: they get an :class:`AlertsRaised`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.config.redact import redact
from tui.domain.models import AccountState, AccountStatus, MessageKind
from tui.domain.rules import NotificationSettings, Sink
from tui.domain.safetext import sanitize
from tui.services.events import (
    AccountStateChanged,
    AlertsRaised,
    Event,
    EventBus,
    MessagesArrived,
    RaisedAlert,
)
from tui.services.notifier import Alert, Notifier, contexts_for
from tui.services.push import PushSender
from tui.services.sinks import COMMAND_TIMEOUT, CommandResult, run_command
from tui.store import Store

__all__ = ["TICK_SECONDS", "AccountNotice", "AlertService"]

log = logging.getLogger("linkdeck.alerts")

TICK_SECONDS = 30.0
"""How often a long failure is looked at even when no event arrives."""


@dataclass(frozen=True)
class AccountNotice:
    """One announcement of account trouble (logged at WARNING and pushed once)."""

    account_id: str
    kind: str
    """``reauth`` (token expired or revoked), ``failing`` (errors for too long) or
    ``expiring`` (the token ends soon)."""
    title: str
    body: str
    at: datetime


def _raised(alert: Alert) -> RaisedAlert:
    message = alert.message
    return RaisedAlert(
        title=alert.title,
        body=alert.body,
        sinks=tuple(str(s) for s in alert.sinks),
        rule_name=alert.rule_name,
        account_id=message.account_id if message else "",
        conversation_id=message.conversation_id if message else "",
        count=alert.count,
    )


def _clean(text: str, limit: int = 160) -> str:
    return sanitize(redact(text), max_chars=limit, single_line=True)


class AlertService:
    """Judges each live batch, pushes and runs commands, and announces account trouble.

    It subscribes to the bus when built, so no batch published before :meth:`run`
    starts is missed; :meth:`drain` handles whatever is queued (``sync --once``).
    """

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        notifier: Notifier,
        settings: Callable[[], NotificationSettings],
        *,
        clock: Callable[[], datetime],
        push: PushSender | None = None,
        link_arg: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.notifier = notifier
        self.settings = settings
        self.clock = clock
        self.push = push or PushSender()
        self.link_arg = link_arg or (lambda _account: "messenger")
        """Account id -> the ``linkdeck link`` argument that signs it in again."""
        self.queue = bus.subscribe()
        self.notices: list[AccountNotice] = []
        """Every account announcement made, oldest first."""
        self.commands: set[asyncio.Task[CommandResult]] = set()
        self._failing_since: dict[str, datetime] = {}
        self._announced: dict[str, str] = {}
        """Account -> the kind of trouble already announced (once until it recovers)."""
        self._last: dict[str, AccountStatus] = {}
        self._expiry_announced: set[tuple[str, datetime]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle every event until ``stop``; a failure on one never ends the loop."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                getting = asyncio.ensure_future(self.queue.get())
                await asyncio.wait(
                    (getting, stopping), timeout=TICK_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                if not getting.done():
                    getting.cancel()
                    self._check_failing()
                    continue
                await self._handle_safely(getting.result())
        finally:
            stopping.cancel()
            self.bus.unsubscribe(self.queue)

    async def drain(self) -> None:
        """Handle every queued event, then wait for the pushes and commands they started."""
        while not self.queue.empty():
            await self._handle_safely(self.queue.get_nowait())
        await self.wait()

    async def wait(self) -> None:
        await self.push.wait()
        while self.commands:
            await asyncio.gather(*list(self.commands), return_exceptions=True)

    async def _handle_safely(self, event: Event) -> None:
        try:
            await self.handle(event)
        except Exception:
            log.exception("notification handling failed")

    async def handle(self, event: Event) -> None:
        if isinstance(event, MessagesArrived):
            await self.on_messages(event)
        elif isinstance(event, AccountStateChanged):
            self.on_account(event.status)

    # --- messages -------------------------------------------------------------------

    async def on_messages(self, event: MessagesArrived) -> None:
        inbound = [m for m in event.messages if not m.from_us and m.kind is not MessageKind.ECHO]
        if not inbound:
            return
        now = self.clock()
        contexts = await contexts_for(self.store, inbound, now, catch_up=event.catch_up)
        batch = self.notifier.judge(inbound, contexts, now)
        # Published for every judged batch, alerts or not: the Filters preview and "why"
        # redraw once the service has decided, never racing it.
        self.bus.publish(
            AlertsRaised(
                tuple(_raised(a) for a in batch.alerts), tuple(dict.fromkeys(batch.highlighted))
            )
        )
        for alert in batch.alerts:
            if Sink.PUSH in alert.sinks:
                self.push.push(alert.push, alert.title, alert.body)
            if Sink.COMMAND in alert.sinks and alert.command:
                self._command(alert)

    def _command(self, alert: Alert) -> None:
        stdin = alert.env.get("LINKDECK_TEXT", "")
        coroutine = run_command(alert.command, alert.env, stdin, limit=COMMAND_TIMEOUT)
        task = asyncio.get_running_loop().create_task(coroutine)
        self.commands.add(task)

        def done(finished: asyncio.Task[CommandResult]) -> None:
            self.commands.discard(finished)
            if finished.cancelled() or finished.exception() is not None:
                return
            result = finished.result()
            if result.returncode != 0:
                # The argv is the user's own config; no message text goes to the log.
                why = result.error or "failed"
                log.warning("notification command %s: %s", result.argv[:1], why)

        task.add_done_callback(done)

    # --- account trouble ------------------------------------------------------------

    def on_account(self, status: AccountStatus) -> None:
        account = status.account_id
        self._last[account] = status
        if status.state is AccountState.NEEDS_REAUTH:
            self._failing_since.pop(account, None)
            if self._announced.get(account) != "reauth":
                self._announced[account] = "reauth"
                self._announce_reauth(status)
            return
        if status.state is AccountState.ERROR:
            self._failing_since.setdefault(account, self.clock())
            self._check_failing()
            return
        if status.state is AccountState.CONNECTED:
            self._failing_since.pop(account, None)
            if self._announced.pop(account, None) is not None:
                log.warning("%s: syncing again", _clean(account, 60))

    def _check_failing(self) -> None:
        minutes = self.settings().account_failing_minutes
        now = self.clock()
        for account, since in list(self._failing_since.items()):
            if self._announced.get(account) or now - since < timedelta(minutes=minutes):
                continue
            status = self._last.get(account)
            detail = _clean(status.detail if status else "") or "unknown error"
            name = _clean(account, 60)
            failed_for = int((now - since).total_seconds() // 60)
            self._announced[account] = "failing"
            self._announce(
                AccountNotice(
                    account,
                    "failing",
                    f"Linkdeck: {name} has failed to sync for {failed_for} min",
                    f"{name} has failed to sync for {failed_for} min ({detail}). "
                    "Run 'linkdeck doctor' to see why; the service keeps retrying.",
                    now,
                )
            )

    def _announce_reauth(self, status: AccountStatus) -> None:
        name = _clean(status.account_id, 60)
        reason = _clean(status.detail or "token invalid", 80)
        platform = _clean(self.link_arg(status.account_id), 20)
        self._announce(
            AccountNotice(
                status.account_id,
                "reauth",
                f"Linkdeck: {name} needs re-authentication",
                f"{name}: {reason}. Its sync is paused until you sign in again: "
                f"press R on it in the dashboard's Profiles tab, or run "
                f"'linkdeck link {platform}'.",
                self.clock(),
            )
        )

    def token_expiring(self, account_id: str, expires_at: datetime, warning: str) -> None:
        """Announce once per token that it ends soon (``warning``: "token expires in 3 days")."""
        if (account_id, expires_at) in self._expiry_announced:
            return
        self._expiry_announced.add((account_id, expires_at))
        name = _clean(account_id, 60)
        what = _clean(warning, 60)
        when = expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        platform = _clean(self.link_arg(account_id), 20)
        self._announce(
            AccountNotice(
                account_id,
                "expiring",
                f"Linkdeck: {name} {what}",
                f"{name}: {what} ({when}); sync stops then. Sign in again before: press R "
                f"on it in the dashboard's Profiles tab, or run 'linkdeck link {platform}'.",
                self.clock(),
            )
        )

    def _announce(self, notice: AccountNotice) -> None:
        self.notices.append(notice)
        log.warning("%s", notice.body)
        urls = self.settings().push
        if urls:
            with contextlib.suppress(RuntimeError):  # no running loop: logged, not pushed
                self.push.push(urls, notice.title, notice.body)
