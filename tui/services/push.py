"""Push notifications through apprise (ntfy, Pushover, Telegram, e-mail, Matrix, ...)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from tui.config.push_urls import push_label, register_push_secrets
from tui.domain.safetext import sanitize

__all__ = ["PUSH_PARALLEL", "PushResult", "PushSender"]

log = logging.getLogger(__name__)

PUSH_PARALLEL = 4
"""Pushes in flight at once; a flood queues behind these instead of starting threads."""
TITLE_CHARS = 120
BODY_CHARS = 400


@dataclass(frozen=True)
class PushResult:
    """How one push went; ``targets`` are labels safe to show (scheme only, no token)."""

    targets: tuple[str, ...]
    ok: bool
    error: str = ""


def _send_blocking(urls: Sequence[str], title: str, body: str) -> bool:
    # Imported on first push: apprise loads its plugins then, never at start-up.
    import apprise

    targets = apprise.Apprise()
    for url in urls:
        targets.add(url)
    return bool(targets.notify(body=body, title=title))


class PushSender:
    """Sends pushes in worker threads so a slow service never holds up the event loop.

    Apprise's plugins make blocking HTTP calls; each push runs in a thread, at most
    :data:`PUSH_PARALLEL` at once. URLs never reach the log: failures name the scheme.
    """

    def __init__(self) -> None:
        # Apprise logs each payload at DEBUG, message text included: bodies never reach a
        # log, so its logger stays at WARNING whatever -v asks for.
        logging.getLogger("apprise").setLevel(logging.WARNING)
        self._tasks: set[asyncio.Task[PushResult]] = set()
        self._slots = asyncio.Semaphore(PUSH_PARALLEL)
        self.results: deque[PushResult] = deque(maxlen=50)
        """Finished pushes, newest last."""

    def push(self, urls: Sequence[str], title: str, body: str) -> None:
        """Start one push to every URL in ``urls``; returns at once."""
        if not urls:
            return
        for url in urls:
            register_push_secrets(url)
        task = asyncio.get_running_loop().create_task(self._send(tuple(urls), title, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, urls: tuple[str, ...], title: str, body: str) -> PushResult:
        labels = tuple(push_label(u) for u in urls)
        clean_title = sanitize(title, max_chars=TITLE_CHARS, single_line=True)
        clean_body = sanitize(body, max_chars=BODY_CHARS)
        async with self._slots:
            try:
                ok = await asyncio.to_thread(_send_blocking, urls, clean_title, clean_body)
                result = PushResult(labels, ok, "" if ok else "the service refused or was down")
            except Exception as exc:  # a broken plugin must not end the service
                result = PushResult(labels, False, type(exc).__name__)
        if not result.ok:
            log.warning("push to %s failed: %s", ", ".join(labels), result.error)
        self.results.append(result)
        return result

    async def wait(self) -> None:
        """Until every push started so far has finished (tests, ``sync --once``, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
