"""The HTTP side of webhooks, on aiohttp's server: verify, store, answer 200.

Nothing is parsed before the signature checks out, and nothing is answered 200 before the
events are committed to the store, so a crash after the answer loses nothing and a crash
before it makes Meta retry (the inbox's event keys absorb the repeat). Each request is
its own task: a slow or half-sent body holds up no one else, and gives up after a limit.
Sources: developers.facebook.com/documentation/business-messaging/messenger-platform/
webhooks/webhook-events (verification, 200 within 5 s, retries, signatures).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from tui.domain.clock import utc_now
from tui.store import Store
from tui.webhooks import signature
from tui.webhooks.delivery import BadDelivery, split_delivery

log = logging.getLogger(__name__)

BODY_TIMEOUT = 10.0
"""Seconds a sender gets to finish its body; Meta's own limit for our answer is 5 s."""


@dataclass
class ReceiverStats:
    accepted: int = 0
    """Deliveries answered 200."""
    stored: int = 0
    """Events new to the inbox (repeats are not counted)."""
    refused: int = 0
    """Deliveries refused for their signature, size or shape."""
    last_accepted: datetime | None = None


@dataclass
class WebhookReceiver:
    """Serves Meta's verification GET and the signed event POSTs on one path."""

    store: Store
    verify_token: str
    app_secret: str | tuple[str, ...]
    """Our Meta app secret, or each of them (a delivery signed by any one is accepted)."""
    path: str = "/webhooks"
    max_body_bytes: int = 1_000_000
    on_stored: Callable[[int], None] | None = None
    """Called with the number of new events after each committed delivery."""
    clock: Callable[[], datetime] = utc_now
    stats: ReceiverStats = field(default_factory=ReceiverStats)
    _runner: web.AppRunner | None = None
    address: tuple[str, int] | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_get(self.path, self._verify)
        app.router.add_post(self.path, self._deliver)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on ``host:port`` (0 picks a free port); returns the address bound."""
        runner = web.AppRunner(
            self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        server = site._server  # aiohttp keeps the asyncio server here
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname() if sockets else (host, port)
        self.address = (str(bound[0]), int(bound[1]))
        return self.address

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers ---------------------------------------------------------------------------

    async def _verify(self, request: web.Request) -> web.Response:
        mode = request.query.get("hub.mode", "")
        token = request.query.get("hub.verify_token", "")
        challenge = request.query.get("hub.challenge", "")
        if mode == "subscribe" and hmac.compare_digest(token.encode(), self.verify_token.encode()):
            log.info("webhook subscription verified")
            return web.Response(text=challenge, content_type="text/plain")
        log.warning("webhook verification refused: wrong mode or verify token")
        return web.Response(status=403, text="forbidden")

    def _refuse(self, status: int, why: str, request: web.Request) -> web.Response:
        self.stats.refused += 1
        # The body is never logged: it may hold customers' messages.
        log.warning("webhook delivery refused (%s) from %s", why, request.remote or "?")
        return web.Response(status=status, text="refused")

    async def _deliver(self, request: web.Request) -> web.Response:
        length = request.content_length
        if length is not None and length > self.max_body_bytes:
            return self._refuse(413, "body too large", request)
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                body = await request.read()
        except TimeoutError:
            return self._refuse(408, "body not finished in time", request)
        except web.HTTPRequestEntityTooLarge:
            return self._refuse(413, "body too large", request)
        problem = signature.check(body, request.headers.get(signature.HEADER), self.app_secret)
        if problem is not None:
            return self._refuse(403, problem, request)
        try:
            records = split_delivery(body)
        except BadDelivery as exc:
            return self._refuse(400, str(exc), request)
        new = await self.store.add_webhook_events(records, self.clock()) if records else 0
        self.stats.accepted += 1
        self.stats.stored += new
        self.stats.last_accepted = self.clock()
        if new and self.on_stored is not None:
            self.on_stored(new)
        return web.Response(text="EVENT_RECEIVED")
