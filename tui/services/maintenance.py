"""Privacy upkeep: history past its keep-days purged, bodies purged, merging refused."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime, timedelta
from typing import Any

from tui.domain.clock import utc_now
from tui.domain.models import ActivityEvent, Conversation
from tui.domain.rules import PrivacySettings
from tui.store import Store
from tui.store.maintenance import PURGE_ACCOUNT

__all__ = [
    "PURGE_INTERVAL",
    "MergeRefused",
    "finish_purges",
    "history_task",
    "link_people",
    "merge_suggestions",
    "purge_bodies",
    "purge_history",
]

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(days=1)

PrivacyOf = Callable[[str], PrivacySettings]


async def _known_accounts(store: Store, configured: Iterable[str]) -> list[str]:
    # Data of an account no longer configured still obeys the defaults it had.
    return sorted(set(configured) | set(await store.platforms()))


async def purge_history(
    store: Store, accounts: Iterable[str], privacy: PrivacyOf, now: datetime
) -> dict[str, int]:
    """Delete every message older than each account's ``history_days``; returns counts.

    Accounts that keep history forever are left alone. The write-ahead log is
    checkpointed afterwards so the deleted text leaves the -wal file as well.
    """
    purged: dict[str, int] = {}
    for account_id in await _known_accounts(store, accounts):
        days = privacy(account_id).history_days
        if days is None:
            continue
        count = await store.purge_older_than(account_id, now - timedelta(days=days))
        purged[account_id] = count
        if count:
            await store.log_activity(
                ActivityEvent(
                    at=now,
                    kind="privacy_purge",
                    summary=f"purged {count} messages older than {days} days",
                    account_id=account_id,
                )
            )
    if any(purged.values()):
        await store.checkpoint()
    return purged


async def purge_bodies(store: Store, account_id: str, *, now: datetime | None = None) -> int:
    """Blank every stored message text of an account, then clear the write-ahead log.

    Called after the user confirmed turning "store message bodies" off.
    """
    count = await store.purge_bodies(account_id)
    await store.log_activity(
        ActivityEvent(
            at=now or utc_now(),
            kind="privacy_purge",
            summary=f"removed the text of {count} stored messages",
            account_id=account_id,
        )
    )
    await store.checkpoint()
    return count


async def finish_purges(
    store: Store, configured: Iterable[str], privacy: PrivacyOf, now: datetime
) -> dict[str, int]:
    """Finish the purges a crash or a kill cut short; returns messages purged by account.

    An account purge is finished only for an account no longer configured: one found in
    config.toml again was linked anew (by hand, since), and its data is wanted. Text
    removal is finished while the account still stores no bodies.
    """
    linked = set(configured)
    done: dict[str, int] = {}
    for account_id, kind in (await store.unfinished_purges()).items():
        if kind == PURGE_ACCOUNT:
            if account_id in linked:
                await store.forget_purge(account_id)
                continue
            count = await store.purge_account(account_id)
            summary = f"finished the purge of this unlinked account: {count} more messages"
        else:
            if privacy(account_id).store_bodies:
                await store.forget_purge(account_id)
                continue
            count = await store.purge_bodies(account_id)
            summary = f"finished removing message text: {count} more messages"
        done[account_id] = count
        await store.log_activity(
            ActivityEvent(at=now, kind="privacy_purge", summary=summary, account_id=account_id)
        )
    if done:
        await store.checkpoint()
    return done


def history_task(
    store: Store,
    accounts: Callable[[], Iterable[str]],
    privacy: PrivacyOf,
    *,
    clock: Callable[[], datetime] = utc_now,
    interval: timedelta = PURGE_INTERVAL,
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """A task for ``Runtime.extra_tasks``: finish purges cut short, then at start and once
    a day purge old history and the webhook inbox's old rows."""

    async def run(stop: asyncio.Event) -> None:
        try:
            await finish_purges(store, accounts(), privacy, clock())
        except Exception as exc:  # upkeep must never take the dashboard down
            log.warning("finishing a purge failed: %s", type(exc).__name__)
        while not stop.is_set():
            try:
                await purge_history(store, accounts(), privacy, clock())
                await store.prune_webhook_inbox(clock())
            except Exception as exc:  # upkeep must never take the dashboard down
                log.warning("history purge failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval.total_seconds())

    return run


class MergeRefused(Exception):
    """An account whose privacy settings forbid cross-platform merging was involved."""


async def link_people(
    store: Store, privacy: PrivacyOf, a: tuple[str, str], b: tuple[str, str]
) -> int:
    """:meth:`Store.link_people`, unless either account has ``person_merging`` off.

    Raises:
        MergeRefused: one of the two accounts does not take part in merging.
        KeyError: one of the conversations is not stored.
    """
    for account_id, _ in (a, b):
        if not privacy(account_id).person_merging:
            raise MergeRefused(f"account {account_id!r} does not take part in person merging")
    return await store.link_people(a, b)


async def merge_suggestions(
    store: Store, privacy: PrivacyOf, limit: int = 20
) -> list[tuple[Conversation, Conversation]]:
    """:meth:`Store.suggest_merges` without any pair touching a non-merging account."""
    # Ask for more than needed: the pairs we drop would otherwise leave the list short.
    pairs = await store.suggest_merges(limit * 4 + 20)
    allowed = [
        (x, y)
        for x, y in pairs
        if privacy(x.account_id).person_merging and privacy(y.account_id).person_merging
    ]
    return allowed[:limit]
