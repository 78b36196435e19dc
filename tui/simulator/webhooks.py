"""The simulator's webhook emitter: Meta's deliveries, signatures, batching and retries.

What it reproduces (developers.facebook.com/documentation/business-messaging/
messenger-platform/webhooks/webhook-events, and the Instagram messaging webhook pages):
a POST of ``{"object", "entry": [{"id", "time", "messaging": [...]}]}`` signed with
``X-Hub-Signature-256`` over the exact bytes sent (JSON with non-ASCII escaped); several
events and entries batched into one delivery; a delivery that fails is retried at once a
few times and then with growing pauses; after an hour of failures (simulator clock) the
subscription is dropped, as Meta does. On demand (``/_sim/webhooks``) deliveries are
duplicated or shuffled, and the receiver can be made to look down.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import random
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from tui.simulator.world import MESSENGER, Inbox, SimConversation, SimMessage

if TYPE_CHECKING:
    from tui.simulator.core import Simulator

DISABLE_AFTER = 3600.0
"""Seconds of failing deliveries (simulator clock) before the subscription is dropped."""
FIELDS = (
    "messages",
    "message_echoes",
    "message_edits",
    "message_reactions",
    "message_reads",
    "message_deliveries",
    "messaging_seen",
    "messaging_handovers",
    "standby",
)


def ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class Pending:
    object: str
    entry_id: str
    event: dict[str, Any]
    source: str = "messaging"


@dataclass
class EmitterSettings:
    url: str | None = None
    secret: str = ""
    batch: int = 10
    """Events per delivery at most (Meta batches under load)."""
    duplicate: float = 0.0
    """Chance that a delivery is sent twice (Meta retries after a lost 200)."""
    reorder: bool = False
    """Shuffle pending events before batching (Meta does not promise order)."""
    down: bool = False
    """Deliveries fail as if the receiver were unreachable (no request is made)."""
    retry_base: float = 0.05
    """Real seconds before the first backoff retry (doubles, capped at ``retry_cap``)."""
    retry_cap: float = 2.0


@dataclass
class EmitterStats:
    emitted: int = 0
    deliveries: int = 0
    delivered_events: int = 0
    failures: int = 0
    duplicates: int = 0
    disabled: bool = False
    failing_since: float | None = None


@dataclass
class WebhookEmitter:
    """Queues the world's events and delivers them to a subscribed callback URL."""

    sim: Simulator
    settings: EmitterSettings = field(default_factory=EmitterSettings)
    stats: EmitterStats = field(default_factory=EmitterStats)
    queue: deque[Pending] = field(default_factory=deque)
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    subscribed_fields: list[str] = field(default_factory=list)
    """What ``subscribed_apps`` reports; set when a callback URL is subscribed."""
    kick: asyncio.Event = field(default_factory=asyncio.Event)
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def subscribed(self) -> bool:
        return bool(self.settings.url) and not self.stats.disabled

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sim/webhooks``: subscribe, set faults; ``resubscribe`` after a drop."""
        s = self.settings
        if "url" in body:
            s.url = str(body["url"]) if body["url"] else None
            self.subscribed_fields = list(body.get("fields", FIELDS)) if s.url else []
        s.secret = str(body.get("secret", s.secret or self.sim.world.app_secret))
        for key in ("batch",):
            if key in body:
                s.batch = max(1, int(body[key]))
        for key in ("duplicate", "retry_base", "retry_cap"):
            if key in body:
                setattr(s, key, float(body[key]))
        for key in ("reorder", "down"):
            if key in body:
                setattr(s, key, bool(body[key]))
        if body.get("resubscribe"):
            self.stats.disabled = False
            self.stats.failing_since = None
        self.kick.set()
        return self.status()

    def status(self) -> dict[str, Any]:
        return {
            "url": self.settings.url,
            "subscribed": self.subscribed,
            "pending": len(self.queue),
            "fields": list(FIELDS),
            **{k: v for k, v in vars(self.stats).items()},
        }

    # -- events -----------------------------------------------------------------------------

    def _push(self, inbox: Inbox, event: dict[str, Any], source: str = "messaging") -> None:
        if not self.subscribed:
            return
        obj = "page" if inbox.platform == MESSENGER else "instagram"
        self.queue.append(Pending(obj, inbox.owner_id, event, source))
        self.stats.emitted += 1
        self.idle.clear()
        self.kick.set()

    def _between(self, inbox: Inbox, conv: SimConversation, from_us: bool) -> dict[str, Any]:
        us, them = {"id": inbox.owner_id}, {"id": conv.customer.id}
        return {"sender": us, "recipient": them} if from_us else {"sender": them, "recipient": us}

    def message(
        self, inbox: Inbox, conv: SimConversation, msg: SimMessage, *, app_id: str | None = None
    ) -> None:
        """A customer's message, or an echo of the account's own (``app_id``: who sent it)."""
        body: dict[str, Any] = {"mid": msg.id}
        if msg.text:
            body["text"] = msg.text
        attachments = [
            {"type": a.get("type", "file"), "payload": {"url": a.get("url") or a.get("link")}}
            for a in msg.attachments
        ]
        if msg.story:
            if "mention" in msg.story:
                link = msg.story["mention"].get("link")
                attachments.append({"type": "story_mention", "payload": {"url": link}})
            elif "reply_to" in msg.story:
                ref = msg.story["reply_to"]
                body["reply_to"] = {"story": {"url": ref.get("link"), "id": ref.get("id")}}
        if attachments:
            body["attachments"] = attachments
        if not msg.from_customer:
            body["is_echo"] = True
            body["app_id"] = app_id or self.sim.world.app_id
        event = {
            **self._between(inbox, conv, not msg.from_customer),
            "timestamp": ms(msg.created_at),
            "message": body,
        }
        self._push(inbox, event, "standby" if conv.customer.id in self.sim.handed_over else "")

    def edit(self, inbox: Inbox, conv: SimConversation, msg: SimMessage, count: int) -> None:
        self._push(
            inbox,
            {
                **self._between(inbox, conv, not msg.from_customer),
                "timestamp": ms(self.sim.clock.now()),
                "message_edit": {"mid": msg.id, "text": msg.text, "num_edit": count},
            },
        )

    def unsend(self, inbox: Inbox, conv: SimConversation, msg: SimMessage) -> None:
        self._push(
            inbox,
            {
                **self._between(inbox, conv, not msg.from_customer),
                "timestamp": ms(self.sim.clock.now()),
                "message": {"mid": msg.id, "is_deleted": True},
            },
        )

    def reaction(
        self, inbox: Inbox, conv: SimConversation, target: SimMessage, emoji: str | None
    ) -> None:
        body: dict[str, Any] = {"mid": target.id, "action": "react" if emoji else "unreact"}
        if emoji:
            body.update({"reaction": "other", "emoji": emoji})
        self._push(
            inbox,
            {
                **self._between(inbox, conv, False),
                "timestamp": ms(self.sim.clock.now()),
                "reaction": body,
            },
        )

    def read(self, inbox: Inbox, conv: SimConversation) -> None:
        now = self.sim.clock.now()
        own = [m for m in conv.messages if not m.from_customer]
        if inbox.platform == MESSENGER:
            read: dict[str, Any] = {"watermark": ms(now)}
        elif own:
            read = {"mid": own[-1].id}
        else:
            return
        self._push(inbox, {**self._between(inbox, conv, False), "timestamp": ms(now), "read": read})

    def delivery(self, inbox: Inbox, conv: SimConversation, msg: SimMessage) -> None:
        if inbox.platform != MESSENGER:
            return
        self._push(
            inbox,
            {
                **self._between(inbox, conv, False),
                "delivery": {"mids": [msg.id], "watermark": ms(msg.created_at)},
            },
        )

    def handover(self, inbox: Inbox, conv: SimConversation, new_owner: str) -> None:
        self._push(
            inbox,
            {
                **self._between(inbox, conv, False),
                "timestamp": ms(self.sim.clock.now()),
                "pass_thread_control": {
                    "new_owner_app_id": new_owner,
                    "previous_owner_app_id": self.sim.world.app_id,
                    "metadata": "",
                },
            },
        )

    # -- delivery ---------------------------------------------------------------------------

    def _body(self, batch: list[Pending]) -> bytes:
        entries: dict[tuple[str, str, str], dict[str, Any]] = {}
        objects = {p.object for p in batch}
        obj = sorted(objects)[0]
        for p in batch:
            source = p.source or "messaging"
            entry = entries.setdefault(
                (p.object, p.entry_id, source),
                {"id": p.entry_id, "time": ms(self.sim.clock.now()), source: []},
            )
            entry[source].append(p.event)
        payload = {"object": obj, "entry": list(entries.values())}
        # Meta sends (and signs) JSON with non-ASCII escaped as \uXXXX.
        return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()

    def _take(self) -> list[Pending]:
        if self.settings.reorder and len(self.queue) > 1:
            items = list(self.queue)
            self.rng.shuffle(items)
            self.queue = deque(items)
        first = self.queue[0]
        batch: list[Pending] = []
        # One delivery holds one object type (page or instagram), like Meta's.
        for p in list(self.queue):
            if len(batch) >= self.settings.batch:
                break
            if p.object == first.object:
                batch.append(p)
        return batch

    async def _post(self, client: httpx.AsyncClient, body: bytes) -> bool:
        if self.settings.down or not self.settings.url:
            return False
        digest = hmac.new(self.settings.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}
        try:
            response = await client.post(self.settings.url, content=body, headers=headers)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop``; failures back off and, after an hour, unsubscribe."""
        delay = 0.0
        async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
            while not stop.is_set():
                if not self.queue or not self.subscribed:
                    self.idle.set()
                    self.kick.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.kick.wait(), 0.5)
                    continue
                batch = self._take()
                body = self._body(batch)
                self.stats.deliveries += 1
                if await self._post(client, body):
                    for p in batch:
                        self.queue.remove(p)
                    self.stats.delivered_events += len(batch)
                    self.stats.failing_since = None
                    delay = 0.0
                    if self.settings.duplicate and self.rng.random() < self.settings.duplicate:
                        self.stats.duplicates += 1
                        await self._post(client, body)
                    continue
                self.stats.failures += 1
                now = self.sim.clock.timestamp()
                if self.stats.failing_since is None:
                    self.stats.failing_since = now
                elif now - self.stats.failing_since >= DISABLE_AFTER:
                    # Meta: "Webhooks Disabled" and the app is unsubscribed; events are lost.
                    self.stats.disabled = True
                    self.queue.clear()
                    continue
                delay = min(self.settings.retry_cap, max(self.settings.retry_base, delay * 2))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)

    async def drained(self) -> None:
        """Wait until every queued event was delivered (or dropped); callers set a limit."""
        while self.queue and self.subscribed:
            self.idle.clear()
            await self.idle.wait()
