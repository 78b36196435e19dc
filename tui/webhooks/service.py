"""Runs the receiver and the processor beside the sync engine (a ``Runtime`` extra task).

The receiver listens where ``[webhooks]`` says (127.0.0.1 by default: a reverse proxy or
a tunnel gives Meta the public HTTPS URL); while it runs, the budget planner treats
webhooks as the real-time path and polls only to repair gaps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.webhooks.processor import WebhookProcessor
from tui.webhooks.receiver import WebhookReceiver

if TYPE_CHECKING:
    from tui.services.runtime import Runtime

log = logging.getLogger(__name__)

Task = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def webhook_task(
    runtime: Runtime,
    verify_token: str,
    app_secret: str | tuple[str, ...],
    *,
    host: str,
    port: int,
    clock: Callable[[], datetime] | None = None,
    on_listening: Callable[[str, int], None] | None = None,
) -> Task:
    """A task for ``Runtime.extra_tasks``: receive, store, apply; stop with the runtime."""
    settings = runtime.prefs.webhooks
    processor = WebhookProcessor(
        runtime.store,
        runtime.bus,
        lambda: runtime.adapters,
        privacy=runtime.privacy,
        app_id=settings.app_id,
        **({"clock": clock} if clock is not None else {}),
    )
    receiver = WebhookReceiver(
        runtime.store,
        verify_token,
        app_secret,
        path=settings.path,
        max_body_bytes=settings.max_body_bytes,
        on_stored=processor.notify,
    )

    async def run(stop: asyncio.Event) -> None:
        try:
            bound = await receiver.start(host, port)
        except OSError as exc:
            log.warning("webhook receiver could not listen on %s:%s: %s", host, port, exc)
            runtime.problems.append(
                f"Webhooks: cannot listen on {host}:{port} ({exc.strerror}); polling only."
            )
            return
        log.info("webhook receiver listening on %s:%s%s", bound[0], bound[1], settings.path)
        runtime.webhook_health.receiving = True
        runtime.webhook_health.address = bound
        if on_listening is not None:
            on_listening(*bound)
        worker = asyncio.create_task(processor.run(stop))
        try:
            await stop.wait()
        finally:
            runtime.webhook_health.receiving = False
            runtime.webhook_health.address = None
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await receiver.stop()

    return run
