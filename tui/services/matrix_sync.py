"""Sync for Matrix accounts: ``/sync`` long-polling is the real-time path, ``/messages`` fills.

Each ``/sync`` answer is committed in one transaction together with its ``next_batch``
token and the rooms' remembered state, so a kill at any point re-reads from the last
committed token and the idempotent upserts absorb the repeat. Redactions are applied
before that commit (deleting twice is harmless; a token committed before the delete
would lose it). A limited timeline leaves a gap: its ``prev_batch`` token becomes a
``fill:`` cursor that backfill pages through until it meets stored history.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from tui.adapters.base import PlatformAdapter
from tui.adapters.errors import AdapterError, InvalidRequest, PermissionMissing
from tui.adapters.matrix import LONG_POLL_MS, ROOM_PREFIX, MatrixAdapter
from tui.domain import AccountState, InboxMessage, PrivacySettings
from tui.domain.clock import utc_now
from tui.services.events import ConversationsChanged, EventBus, MessagesArrived
from tui.services.pacing import Pacer
from tui.services.sync import AccountSync, PollReport, without_profile
from tui.store import Store

log = logging.getLogger(__name__)

SINCE = "sync"
FILL_PREFIX = "fill:"
DONE = "done"
RECONNECT_FIRST = 1.0
"""Seconds before the first retry after the homeserver stopped answering."""
RECONNECT_CAP = 30.0
"""The longest wait between two retries: a homeserver back up is seen within this."""


def matrix_pacer(pacer: Pacer) -> Pacer:
    """The retry schedule of a Matrix account: 1 s doubling up to 30 s, and never giving up.

    Meta's accounts open a circuit breaker (ten minutes) after five failures, to save a
    daily call budget; a homeserver has no budget, and a ten-minute wait after a
    one-minute outage would leave the user's personal chats silent for nothing.
    """
    return replace(
        pacer,
        backoff_base=RECONNECT_FIRST,
        backoff_cap=RECONNECT_CAP,
        min_interval=RECONNECT_FIRST * 2,
        breaker_threshold=sys.maxsize,
    )


class MatrixAccountSync(AccountSync):
    """The engine's per-account loop, with ``/sync`` instead of listing conversations."""

    long_poll_ms = LONG_POLL_MS

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
        super().__init__(
            adapter, store, bus, privacy=privacy, pacer=matrix_pacer(pacer), clock=clock
        )

    @property
    def matrix(self) -> MatrixAdapter:
        assert isinstance(self.adapter, MatrixAdapter)
        return self.adapter

    async def poll_once(self, timeout_ms: int = 0) -> PollReport:
        report = PollReport(self.account.id)
        client = self.adapter.client
        before = client.request_count
        try:
            await self._sync(report, timeout_ms)
        except AdapterError as exc:
            report.error = exc
        finally:
            report.requests = client.request_count - before
        return report

    async def _sync(self, report: PollReport, timeout_ms: int, *, again: bool = True) -> None:
        cursors = await self.store.cursors(self.account.id)
        self.matrix.restore(cursors)
        since = cursors.get(SINCE)
        report.catch_up = since is None or self._outage
        batch = await self.matrix.sync(since, 0 if since is None else timeout_ms)
        for room_id in batch.joins:
            # Before the token moves on: a join that failed on the way (homeserver away,
            # rate limit) is tried again with the same sync. One the homeserver refuses
            # (the invitation withdrawn, the room gone) is given up: it must not hold up
            # every other room's sync.
            try:
                await self.matrix.join(room_id)
            except (InvalidRequest, PermissionMissing) as exc:
                log.info("could not join %s: %s", room_id, type(exc).__name__)
                continue
            log.info("joined %s: invited by a known bridge", room_id)
        settings = self.privacy()
        removed = {event_id for _, event_id in batch.redactions}
        messages = batch.messages + await self._genuine_edits(batch.edits, batch.messages)
        messages = [m for m in messages if m.remote_id not in removed]
        conversations = batch.conversations
        if not settings.sync_contacts:
            messages = [replace(m, sender_name="") for m in messages]
            conversations = [without_profile(c) for c in conversations]
        changed = {c.remote_id for c in conversations}
        changed.update(await self._redact(batch.redactions))
        new_cursors = {SINCE: batch.next_batch}
        for room_id, info in batch.rooms.items():
            new_cursors[ROOM_PREFIX + room_id] = info.to_json()
        if settings.backfill_days != 0 or since is not None:
            for room_id, token in batch.gaps.items():
                new_cursors[f"{FILL_PREFIX}{room_id} {token}"] = token
        result = await self.store.apply_batch(
            self.account.id,
            platform=self.account.platform,
            conversations=conversations,
            messages=messages,
            cursors=new_cursors,
            store_bodies=settings.store_bodies,
        )
        report.new_messages.extend(result.new_messages)
        changed.update(result.changed_conversations)
        report.changed.extend(sorted(changed))
        if changed:
            self.bus.publish(ConversationsChanged(self.account.id, sorted(changed)))
        if report.new_messages:
            self.bus.publish(
                MessagesArrived(self.account.id, tuple(report.new_messages), report.catch_up)
            )
        if batch.joins and again:
            # The rooms just joined come with the next sync: fetch it now, not a poll later.
            more = PollReport(self.account.id)
            await self._sync(more, 0, again=False)
            report.new_messages.extend(more.new_messages)
            report.changed.extend(more.changed)

    async def _genuine_edits(
        self, edits: list[InboxMessage], alongside: list[InboxMessage]
    ) -> list[InboxMessage]:
        """The edits made by the sender of the message they edit; others are dropped.

        Matrix lets anyone send an ``m.replace`` pointing at any event: a client must
        check that the editor wrote the original. The original is found in the same
        batch or in the store; an edit of a message not held (yet) is dropped too, as
        it would otherwise become a message of its own.
        """
        if not edits:
            return []
        senders = {m.remote_id: m.sender_id for m in alongside}
        kept: list[InboxMessage] = []
        for edit in edits:
            original = senders.get(edit.remote_id)
            if original is None:
                stored = await self.store.stored_message(self.account.id, edit.remote_id)
                original = stored.sender_id if stored is not None else None
            if original is not None and original == edit.sender_id:
                kept.append(edit)
            else:
                log.debug(
                    "ignored an edit of %s in %s: not from the original sender",
                    edit.remote_id,
                    edit.conversation_id,
                )
        return kept

    async def _redact(self, redactions: list[tuple[str, str]]) -> set[str]:
        """Remove redacted events from the store (and so from search and the screen)."""
        rooms: set[str] = set()
        for room_id, event_id in redactions:
            if await self.store.delete_message(self.account.id, event_id):
                rooms.add(room_id)
        return rooms

    async def backfill_step(self, max_pages: int = 4) -> bool:
        """Page back through open gaps and initial history; returns whether more remains."""
        days = self.privacy().backfill_days
        not_before = None if days is None else self.clock() - timedelta(days=days)
        cursors = await self.store.cursors(self.account.id)
        pending = [
            (name, value)
            for name, value in cursors.items()
            if name.startswith(FILL_PREFIX) and value != DONE
        ]
        pages = 0
        for name, token in pending:
            room_id = name[len(FILL_PREFIX) :].rsplit(" ", 1)[0]
            while pages < max_pages:
                page = await self.matrix.history(room_id, token)
                pages += 1
                messages = page.messages + await self._genuine_edits(page.edits, page.messages)
                messages = [m for m in messages if _after(m, not_before)]
                if not self.privacy().sync_contacts:
                    messages = [replace(m, sender_name="") for m in messages]
                removed = {event_id for _, event_id in page.redactions}
                messages = [m for m in messages if m.remote_id not in removed]
                await self._redact(page.redactions)
                finished = (
                    page.next_token is None
                    or days == 0
                    or (
                        not_before is not None
                        and page.oldest is not None
                        and page.oldest < not_before
                    )
                )
                result = await self.store.apply_batch(
                    self.account.id,
                    platform=self.account.platform,
                    messages=messages,
                    cursors={name: DONE if finished else (page.next_token or DONE)},
                    store_bodies=self.privacy().store_bodies,
                )
                new_ids = {m.remote_id for m in result.new_messages}
                if any(i not in new_ids for i in page.plain_ids if i not in removed):
                    finished = True  # reached history we already hold
                    await self.store.apply_batch(
                        self.account.id, platform=self.account.platform, cursors={name: DONE}
                    )
                if result.new_messages:
                    self.bus.publish(
                        MessagesArrived(self.account.id, tuple(result.new_messages), True)
                    )
                    self.bus.publish(ConversationsChanged(self.account.id, [room_id]))
                if finished:
                    break
                token = page.next_token or DONE
            if pages >= max_pages:
                return True
        return False

    async def step(self) -> float | None:
        report = await self.poll_once(self.long_poll_ms)
        if report.error is not None:
            return await self.handle_error(report.error)
        more = False
        try:
            more = await self.backfill_step()
        except AdapterError as exc:
            log.info("backfill of %s paused: %s", self.account.id, type(exc).__name__)
        self._outage = False
        self.pacer.after_success(had_news=bool(report.new_messages), usage_pct=None)
        self._set_state(AccountState.SYNCING if more else AccountState.CONNECTED)
        return 0.0  # the next /sync waits on the homeserver, not here


def _after(message: InboxMessage, not_before: datetime | None) -> bool:
    return not_before is None or message.created_at >= not_before
