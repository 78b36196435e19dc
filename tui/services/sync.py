"""The sync engine: polls every account on its own schedule and commits what it finds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tui.adapters.base import ConversationChange, PlatformAdapter
from tui.adapters.errors import (
    AdapterError,
    PartialListing,
    PermissionMissing,
    RateLimited,
    TokenInvalid,
)
from tui.config.redact import redact
from tui.domain import (
    AccountState,
    AccountStatus,
    ActivityEvent,
    Conversation,
    InboxMessage,
    PrivacySettings,
)
from tui.domain.clock import iso_moment, parse_moment, utc_now
from tui.domain.window import not_in_future
from tui.services.budget import BudgetPlanner, WebhookHealth
from tui.services.events import (
    AccountStateChanged,
    ConversationsChanged,
    EventBus,
    MessagesArrived,
)
from tui.services.pacing import Pacer
from tui.services.reconcile import reconcile_recent
from tui.store import Store

log = logging.getLogger(__name__)

WATERMARK = "conversations"
PAUSE_USAGE = 95.0
DEFAULT_REGAIN = timedelta(minutes=5)
BACKFILL_PAGES_PER_CYCLE = 4
RECONCILE_EVERY = timedelta(hours=6)
"""How often the recent window is re-read for unsends and edits (planned accounts)."""
GAP_AGE = 120.0
"""A message older than this that only polling found means webhooks missed it."""
OTHER_APP = "another app"
"""The thread owner recorded when Meta says only that it is not this app (``is_owner``)."""
GAP_PAGES = 40
"""Most pages one conversation's gap-filling reads in one poll (1,000 messages at 25 a
page); past that, the conversation's history is walked again by the backfill."""
BACKFILL_PAUSE = 0.25
"""Seconds between backfill rounds: history arrives quickly, live polls still get turns."""


class NearTheLimit(RateLimited):
    """A pass stopped itself: the usage headers passed :data:`PAUSE_USAGE`.

    Meta's rate-limiting page asks apps to stop calling once the limit is reached; a first
    sync of a large Page used to call on until Meta refused. Raised between conversations,
    it ends the pass the way a refusal does (what was stored stays, the watermark stays).
    """

    def __init__(self, pct: int, until: datetime) -> None:
        super().__init__(until)
        self.pct = pct


def without_profile(conversation: Conversation) -> Conversation:
    """The conversation with the customer's name and handle left out (contact sync off).

    The platform id stays: without it no reply could be addressed.
    """
    customer = replace(conversation.customer, name="", username="")
    return replace(conversation, customer=customer)


@dataclass
class PollReport:
    """What one poll of one account did."""

    account_id: str
    new_messages: list[InboxMessage] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """The conversations stored, in the order they were (remote ids)."""
    requests: int = 0
    catch_up: bool = False
    error: AdapterError | None = None
    backfilled: int = 0
    """Older messages the backfill stored after the poll (``run_once`` only): with
    ``new_messages`` they are every message this run added to the store."""

    @property
    def changed_conversations(self) -> int:
        return len(self.changed)


class AccountSync:
    """Everything the engine knows and does for one account."""

    def __init__(
        self,
        adapter: PlatformAdapter,
        store: Store,
        bus: EventBus,
        *,
        privacy: Callable[[], PrivacySettings],
        pacer: Pacer,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.adapter = adapter
        self.account = adapter.account
        self.store = store
        self.bus = bus
        self.privacy = privacy
        self.pacer = pacer
        self.clock = clock
        self.status = AccountStatus(self.account.id, self.account.platform, AccountState.SYNCING)
        self.paused = False
        self.backfilled = 0
        """Older messages the backfill has stored since start-up (a running count)."""
        self.wake = asyncio.Event()
        self._outage = False
        self.planner: BudgetPlanner | None = None
        """Meta's rolling 24-hour budget (``None``: not planned, e.g. a test proxy)."""
        self.health: WebhookHealth | None = None
        self.poll_cost = 1.0
        self._reconciled_at: datetime | None = None
        """Calls a poll costs, on average (the planner spaces polls by it)."""

    # -- state --------------------------------------------------------------------------

    def _set_state(
        self, state: AccountState, detail: str = "", until: datetime | None = None
    ) -> bool:
        """Publish a new state; returns whether it differs from the current one."""
        last = self.status.last_success
        if state is AccountState.CONNECTED:
            last = self.clock()
        new = AccountStatus(self.account.id, self.account.platform, state, detail, until, last)
        changed = (new.state, new.detail, new.until) != (
            self.status.state,
            self.status.detail,
            self.status.until,
        )
        self.status = new
        if changed:
            self.bus.publish(AccountStateChanged(new))
        return changed

    async def _log(self, kind: str, summary: str, detail: str = "") -> None:
        await self.store.log_activity(
            ActivityEvent(
                at=self.clock(),
                kind=kind,
                summary=summary,
                account_id=self.account.id,
                detail=detail,
            )
        )

    # -- one poll -----------------------------------------------------------------------

    async def poll_once(self) -> PollReport:
        """One incremental pass: changed conversations, then their new messages.

        Each conversation's messages are committed together with that conversation's
        cursor; the account-wide watermark moves only after every changed conversation
        is stored, so a crash at any point re-reads, and the idempotent upserts absorb it.
        """
        report = PollReport(self.account.id)
        client = self.adapter.client
        before = client.request_count
        try:
            await self._poll(report)
        except AdapterError as exc:
            report.error = exc
        finally:
            report.requests = client.request_count - before
        return report

    async def _poll(self, report: PollReport) -> None:
        cursors = await self.store.cursors(self.account.id)
        watermark = parse_moment(cursors.get(WATERMARK))
        if watermark is not None and watermark > self.clock():
            # Stored before the clamp below existed: every conversation since it was
            # written may be missing, so list them all again once (heads skip the known).
            watermark = None
        report.catch_up = watermark is None or self._outage
        settings = self.privacy()
        interrupted: AdapterError | None = None
        try:
            changes = await self.adapter.changed_conversations(watermark)
        except PartialListing as exc:
            # Keep what the pages before the failure listed; the watermark stays where it
            # is, since older conversations above it were not read.
            changes, interrupted = list(exc.changes), exc.cause
        newest = watermark
        try:
            for index, change in enumerate(changes, start=1):
                updated = await self._store_change(change, watermark, cursors, settings, report)
                if updated is not None and (newest is None or updated > newest):
                    newest = updated
                # Stop early only with conversations left: a pass that stored them all
                # moves the watermark, and ``step`` pauses after it all the same.
                near = self.near_the_limit() if index < len(changes) else None
                if near is not None:
                    raise near
            if interrupted is None and newest is not None and newest != watermark:
                await self.store.apply_batch(
                    self.account.id,
                    platform=self.account.platform,
                    cursors={WATERMARK: iso_moment(newest)},
                )
        finally:
            # What was stored is announced even when an error cut the pass short (a rate
            # limit part-way through a first sync): the screens show it now, not after
            # the next pass that completes.
            if report.changed:
                self.bus.publish(ConversationsChanged(self.account.id, report.changed))
            if report.new_messages:
                self.bus.publish(
                    MessagesArrived(self.account.id, tuple(report.new_messages), report.catch_up)
                )
        if interrupted is not None:
            raise interrupted

    async def _store_change(
        self,
        change: ConversationChange,
        watermark: datetime | None,
        cursors: dict[str, str],
        settings: PrivacySettings,
        report: PollReport,
    ) -> datetime | None:
        """Read and store one listed conversation's new messages, with its cursors; once
        stored, it is listed in ``report.changed``.

        Returns the moment it counts for in the watermark (clamped to now), or ``None``
        when it holds nothing new since the last poll.
        """
        conversation = change.conversation
        head_key = f"head:{conversation.remote_id}"
        if self._unchanged(change, watermark, cursors.get(head_key)):
            return None
        if not settings.sync_contacts:
            conversation = without_profile(conversation)
        key = f"msg:{conversation.remote_id}"
        since = parse_moment(cursors.get(key))
        messages = await self.adapter.new_messages(conversation.remote_id, since)
        gap, gap_closed = await self._fill_gap(conversation.remote_id, since, messages)
        messages += gap
        if not settings.sync_contacts:
            messages = [replace(m, sender_name="") for m in messages]
        # Times from the future are dated when first received; read again at the
        # next poll (the listing still says 2100), they keep that date: ``since``.
        received = self.clock()
        messages = [_believable(m, received, since) for m in messages]
        conversation = replace(
            conversation,
            updated_at=not_in_future(conversation.updated_at, received, since),
            last_inbound_at=conversation.last_inbound_at
            and not_in_future(conversation.last_inbound_at, received, since),
        )
        await self._quarantine_adapter_problems()
        newest_message = max((m.created_at for m in messages), default=since)
        batch_cursors = {key: iso_moment(newest_message)} if newest_message else {}
        if change.newest_message_id:
            batch_cursors[head_key] = change.newest_message_id
        if not gap_closed:
            # The gap was too deep for one poll: the backfill walks this history again
            # from the newest message (the upserts keep each message once).
            batch_cursors[f"backfill:{conversation.remote_id}"] = ""
        result = await self.store.apply_batch(
            self.account.id,
            platform=self.account.platform,
            conversations=[conversation],
            messages=messages,
            cursors=batch_cursors,
            store_bodies=settings.store_bodies,
        )
        report.new_messages.extend(result.new_messages)
        report.changed.append(conversation.remote_id)
        if conversation.is_owner is not None:
            # Conversation Routing said who owns the thread: another app's thread is
            # marked as such (the same mark a handover webhook leaves).
            owner = "" if conversation.is_owner else OTHER_APP
            await self.store.set_thread_owner(self.account.id, conversation.remote_id, owner)
        # A time from the future (a hostile or broken server, a skewed clock) must not
        # carry the watermark past every conversation still to come: it stops at now.
        # Clamping only lowers it: conversations at or above it are checked again by
        # their head message, which costs a little and loses nothing.
        return min(change.updated_at, self.clock())

    @staticmethod
    def _unchanged(
        change: ConversationChange, watermark: datetime | None, head: str | None
    ) -> bool:
        """Whether a listed conversation holds nothing new since the last poll.

        The listing is walked down to the watermark's own second (inclusive), so a
        conversation from that second is judged by its newest message id when the
        listing gave one, and by time alone otherwise.
        """
        if watermark is None:
            # A walk that failed part-way stored some conversations already: the ones whose
            # newest message is the one stored are not read again.
            return head is not None and change.newest_message_id == head
        if change.updated_at > watermark:
            return False
        if change.newest_message_id is not None:
            return change.newest_message_id == head
        return True

    async def _fill_gap(
        self, conversation_id: str, since: datetime | None, recent: list[InboxMessage]
    ) -> tuple[list[InboxMessage], bool]:
        """More messages arrived than one recent page holds: page back down to ``since``.

        Without this a burst of, say, 30 messages between two polls would leave a hole
        that no later poll looks at again. A full page whose oldest message shares the
        cursor's second may hide more from that second (Graph times have one-second
        resolution), so that case pages back too.

        Returns the messages found and whether the gap is closed: at most ``GAP_PAGES``
        pages are read, whatever the adapter's own guards do.
        """
        limit = getattr(self.adapter, "recent_limit", 20)
        if since is None or len(recent) < limit or min(m.created_at for m in recent) < since:
            return [], True
        found: list[InboxMessage] = []
        cursor: str | None = None
        for _ in range(GAP_PAGES):
            page, cursor = await self.adapter.backfill(
                conversation_id, older_than=None, not_before=since, page_cursor=cursor
            )
            found += page
            if cursor is None:
                return found, True
        log.warning(
            "gap in %s of %s deeper than %d pages; the backfill reads it again",
            conversation_id,
            self.account.id,
            GAP_PAGES,
        )
        return found, False

    async def _quarantine_adapter_problems(self) -> None:
        """Records the adapter could not map go to the quarantine, with the reason."""
        problems = self.adapter.take_problems()
        if problems:
            await self.store.add_quarantined(problems)

    # -- backfill -----------------------------------------------------------------------

    async def backfill_step(self, max_pages: int = BACKFILL_PAGES_PER_CYCLE) -> bool:
        """Fetch a few pages of older history; returns whether more remains."""
        days = self.privacy().backfill_days
        if days == 0:
            return False
        not_before = None if days is None else self.clock() - timedelta(days=days)
        cursors = await self.store.cursors(self.account.id)
        pending = [
            name.removeprefix("msg:")
            for name in cursors
            if name.startswith("msg:") and cursors.get("backfill:" + name[4:]) != "done"
        ]
        pages = 0
        for conversation_id in pending:
            while pages < max_pages:
                key = "backfill:" + conversation_id
                state = cursors.get(key)
                messages, next_cursor = await self.adapter.backfill(
                    conversation_id,
                    older_than=None,
                    not_before=not_before,
                    page_cursor=state or None,
                )
                pages += 1
                if not self.privacy().sync_contacts:
                    messages = [replace(m, sender_name="") for m in messages]
                received = self.clock()
                messages = [_believable(m, received) for m in messages]
                await self._quarantine_adapter_problems()
                cursors[key] = next_cursor or "done"
                result = await self.store.apply_batch(
                    self.account.id,
                    platform=self.account.platform,
                    messages=messages,
                    cursors={key: cursors[key]},
                    store_bodies=self.privacy().store_bodies,
                )
                if result.new_messages:
                    self.backfilled += len(result.new_messages)
                    self.bus.publish(
                        MessagesArrived(self.account.id, tuple(result.new_messages), True)
                    )
                if next_cursor is None:
                    break
            if pages >= max_pages:
                return True
        return False

    # -- the loop -----------------------------------------------------------------------

    async def handle_error(self, exc: AdapterError) -> float | None:
        """Decide what an error means for this account; returns the delay, or None to park."""
        now = self.clock()
        if isinstance(exc, TokenInvalid):
            if self._set_state(AccountState.NEEDS_REAUTH, f"token {exc.reason}"):
                await self._log(
                    "token_expired", f"Token {exc.reason}; sync paused until re-authentication"
                )
            return None
        if isinstance(exc, RateLimited):
            until = exc.until or now + DEFAULT_REGAIN
            if isinstance(exc, NearTheLimit):
                detail = f"usage at {exc.pct}%"
            else:
                detail = "rate limited by the platform"
            if self._set_state(AccountState.RATE_LIMITED, detail, until):
                await self._log("rate_limited", f"Rate limited until {until:%H:%M} UTC ({detail})")
            return max(1.0, (until - now).total_seconds())
        if isinstance(exc, PermissionMissing):
            detail = f"permission missing: {exc.permission or 'unknown'}"
            if self._set_state(AccountState.ERROR, detail):
                await self._log("sync_error", detail, redact(exc.detail()))
            return self.pacer.breaker_cooldown
        self._outage = True
        delay = self.pacer.after_failure()
        detail = exc.headline or type(exc).__name__
        if self._set_state(AccountState.ERROR, detail, now + timedelta(seconds=delay)):
            await self._log("sync_error", f"Sync failed: {detail}", redact(exc.detail()))
        return delay

    def near_the_limit(self) -> NearTheLimit | None:
        """What to stop with when the last response's usage headers passed PAUSE_USAGE."""
        usage = self.adapter.client.usage
        if usage is None or usage.max_pct < PAUSE_USAGE:
            return None
        now = self.clock()
        until = usage.regain_at or (usage.seen_at or now) + DEFAULT_REGAIN
        if until <= now:
            # The wait that report asked for is over; calls since then brought no newer
            # one (Meta sends the headers only once usage is worth reporting).
            return None
        return NearTheLimit(usage.max_pct, until)

    async def step(self) -> float | None:
        """One poll plus a little backfill; returns the delay before the next, None to park."""
        started = asyncio.get_running_loop().time()
        report = await self.poll_once()
        if report.error is not None:
            return await self.handle_error(report.error)
        near = self.near_the_limit()
        if near is not None:
            return await self.handle_error(near)
        usage = self.adapter.client.usage
        pct = usage.max_pct if usage is not None else None
        more = False
        before = self.adapter.client.request_count
        try:
            more = await self.backfill_step()
        except AdapterError as exc:
            log.info("backfill of %s paused: %s", self.account.id, type(exc).__name__)
        self._outage = False
        self._set_state(AccountState.SYNCING if more else AccountState.CONNECTED)
        delay = self.pacer.after_success(had_news=bool(report.new_messages), usage_pct=pct)
        if self.planner is None:
            # Paced, not budgeted: the interval is timed from this poll's start. (A budget
            # planner's delay is what its bucket allows from now, so it is kept whole.)
            elapsed = asyncio.get_running_loop().time() - started
            return self.pacer.from_start(BACKFILL_PAUSE if more else delay, elapsed)
        if not more:
            await self._reconcile()
        spent = report.requests + self.adapter.client.request_count - before
        return self.planned(self.planner, report, spent, backfilling=more)

    async def _reconcile(self) -> None:
        """A few times a day: re-read the recent window for unsends and edits."""
        now = self.clock()
        planner = self.planner
        last = self._reconciled_at
        if planner is None or (last is not None and now - last < RECONCILE_EVERY):
            return
        # What the budget has spare right now, and at least the three busiest threads:
        # new messages stay first, but the check never starves.
        spare = max(3, int(planner.available(now.timestamp())) - 2)
        self._reconciled_at = now
        try:
            changed = await reconcile_recent(
                self.adapter,
                self.store,
                now,
                store_bodies=self.privacy().store_bodies,
                limit=min(25, spare),
            )
        except AdapterError as exc:
            log.info("recent-window check of %s skipped: %s", self.account.id, exc)
            return
        if changed:
            # Changed, not new: catch_up keeps them from alerting anyone.
            self.bus.publish(MessagesArrived(self.account.id, tuple(changed), True))
            ids = list(dict.fromkeys(m.conversation_id for m in changed))
            self.bus.publish(ConversationsChanged(self.account.id, ids))

    def planned(
        self, planner: BudgetPlanner, report: PollReport, spent: int, *, backfilling: bool = False
    ) -> float:
        """The next poll's delay for a Meta account: what its budget planner allows."""
        now = self.clock().timestamp()
        planner.record(now, spent)
        planner.learn(self.adapter.client.usage, now)
        self.poll_cost = 0.8 * self.poll_cost + 0.2 * max(1, report.requests)
        healthy = self.health is not None and self.health.healthy(self.account.id, now)
        if healthy and not report.catch_up:
            late = self.clock() - timedelta(seconds=GAP_AGE)
            if any(m.created_at < late for m in report.new_messages):
                # Polling found messages webhooks never brought: trust polling for a while.
                self.health.gap_found(self.account.id, now)  # type: ignore[union-attr]
                healthy = False
        # As fast as the budget allows (the pacer's idle slowdown would only waste it);
        # history still to fetch is fetched at the budget's pace, webhooks or not.
        healthy = healthy and not backfilling
        return planner.interval(self.poll_cost, webhooks_healthy=healthy, now=now)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.paused:
                self._set_state(AccountState.PAUSED, "paused by you")
                delay: float | None = None
            else:
                delay = await self.step()
            self.wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()


class SyncEngine:
    """Runs one :class:`AccountSync` per account, concurrently and independently."""

    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, PlatformAdapter],
        bus: EventBus,
        *,
        privacy: Callable[[str], PrivacySettings],
        poll_seconds: float = 20.0,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._privacy = privacy
        self._rng = rng or random.Random()
        self._stop: asyncio.Event | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.accounts: dict[str, AccountSync] = {}
        self.plan: Callable[[AccountSync], None] | None = None
        """Gives an account its budget planner (set by the runtime; linked ones too)."""
        for adapter in adapters.values():
            self.add_account(adapter)

    def add_account(self, adapter: PlatformAdapter, *, paused: bool = False) -> AccountSync:
        """Start syncing a newly linked account (call :meth:`run` picks it up at once)."""
        account_id = adapter.account.id
        kind = AccountSync
        if adapter.account.platform == "matrix":
            from tui.services.matrix_sync import MatrixAccountSync  # here: it imports this module

            kind = MatrixAccountSync
        sync = kind(
            adapter,
            self.store,
            self.bus,
            privacy=lambda: self._privacy(account_id),
            pacer=Pacer(self.poll_seconds, rng=random.Random(self._rng.random())),
            clock=self.clock,
        )
        sync.paused = paused
        if self.plan is not None:
            self.plan(sync)
        self.accounts[account_id] = sync
        if self._stop is not None:
            self._tasks[account_id] = asyncio.create_task(self._guarded(sync, self._stop))
        return sync

    async def remove_account(self, account_id: str) -> None:
        """Stop syncing an account (unlink); its stored data is the caller's business."""
        self.accounts.pop(account_id, None)
        task = self._tasks.pop(account_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def replace_adapter(self, adapter: PlatformAdapter) -> None:
        """A new token (re-authentication, refresh): keep the account's state, wake it."""
        sync = self.accounts[adapter.account.id]
        sync.adapter = adapter
        sync.wake.set()

    def statuses(self) -> list[AccountStatus]:
        return [sync.status for sync in self.accounts.values()]

    async def run_once(self) -> list[PollReport]:
        """Every account once, concurrently, with its backfill run to completion."""

        async def one(sync: AccountSync) -> PollReport:
            report = await sync.poll_once()
            if report.error is not None:
                await sync.handle_error(report.error)
                return report
            before = sync.backfilled
            try:
                while await sync.backfill_step(max_pages=50):
                    pass
            except AdapterError as exc:
                report.backfilled = sync.backfilled - before
                report.error = exc
                await sync.handle_error(exc)
                return report
            report.backfilled = sync.backfilled - before
            sync._set_state(AccountState.CONNECTED)
            return report

        return list(await asyncio.gather(*(one(s) for s in self.accounts.values())))

    async def run(self, stop: asyncio.Event) -> None:
        """Poll every account until ``stop`` is set; one failing never stalls another."""
        self._stop = stop
        self._tasks = {
            account_id: asyncio.create_task(self._guarded(sync, stop))
            for account_id, sync in self.accounts.items()
        }
        try:
            await stop.wait()
        finally:
            self._stop = None
            tasks, self._tasks = list(self._tasks.values()), {}
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _guarded(self, sync: AccountSync, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await sync.run(stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A bug must not silently end an account's sync: record it and go on.
                log.exception("sync of %s crashed; restarting", sync.account.id)
                sync._set_state(AccountState.ERROR, "internal error; see the log")
                await asyncio.sleep(sync.pacer.after_failure())

    def pause(self, account_id: str, paused: bool = True) -> None:
        sync = self.accounts[account_id]
        sync.paused = paused
        if not paused:
            sync._set_state(AccountState.SYNCING)
        sync.wake.set()

    def poll_now(self, account_id: str | None = None) -> None:
        """Wake one account (or all) for an immediate poll, e.g. after re-authentication."""
        for key, sync in self.accounts.items():
            if account_id in (None, key):
                sync.wake.set()


def _believable(
    message: InboxMessage, received: datetime, known: datetime | None = None
) -> InboxMessage:
    """A message stamped further ahead than clock skew explains is dated when received."""
    at = not_in_future(message.created_at, received, known)
    return message if at is message.created_at else replace(message, created_at=at)
