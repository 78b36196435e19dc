"""Keeps long-running service tasks alive: a task that dies is logged, reported and restarted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = ["MAX_BACKOFF", "supervised"]

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
"""Longest pause between two restarts of a task that keeps failing."""


async def supervised(
    name: str,
    run: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    on_failure: Callable[[str, BaseException, int], None] | None = None,
    first_backoff: float = 1.0,
) -> None:
    """Run ``run(stop)`` until ``stop`` is set; restart it whenever it raises.

    Args:
        name: What the task is, for the log and the report ("the sync engine").
        run: The task; returning normally ends supervision.
        stop: Set when everything shuts down.
        on_failure: Told of each failure (name, exception, failures so far) so that the
            user hears of it: never a silently missing worker.
        first_backoff: Seconds before the first restart; doubled each time up to
            :data:`MAX_BACKOFF`.
    """
    failures = 0
    while not stop.is_set():
        try:
            await run(stop)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            log.exception("%s stopped on an error (failure %d); restarting it", name, failures)
            if on_failure is not None:
                with contextlib.suppress(Exception):
                    on_failure(name, exc, failures)
            delay = min(MAX_BACKOFF, first_backoff * 2 ** (failures - 1))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
