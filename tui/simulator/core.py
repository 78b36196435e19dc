"""The Simulator: the seeded world, its tokens, limits and faults behind one handler."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.simulator import handler
from tui.simulator.clock import SimClock
from tui.simulator.faults import FaultBook
from tui.simulator.handler import LoggedRequest
from tui.simulator.protocol import SimRequest, SimResponse, graph_time
from tui.simulator.ratelimit import RateConfig, RateLimiter
from tui.simulator.tokens import LONG_LIVED_SECONDS, TokenRegistry, seed_tokens
from tui.simulator.webhooks import WebhookEmitter
from tui.simulator.world import (
    IG_LOGIN_KEY,
    IG_PAGE_KEY,
    PAGE_KEY,
    Inbox,
    SimConversation,
    SimMessage,
    World,
    build_world,
    file_attachment,
    image_attachment,
)

if TYPE_CHECKING:
    import httpx

PAGE_INBOX_APP = "263902037430900"
"""The app id Meta's echoes carry for replies typed in the Page inbox (peer reports)."""
_SECRET_PARAMS = frozenset({"access_token", "input_token", "fb_exchange_token", "client_secret"})


class Simulator:
    """A stateful fake of the Graph API (both hosts), deterministic for a seed."""

    def __init__(
        self,
        seed: int = 7,
        *,
        strict: bool = True,
        clock: SimClock | None = None,
        conversations_per_account: int = 12,
        messages_per_conversation: int = 8,
        rate: RateConfig | None = None,
    ) -> None:
        self.seed = seed
        self.clock = clock or SimClock.fixed()
        self.world: World = build_world(
            seed, self.clock.now(), conversations_per_account, messages_per_conversation
        )
        self.tokens = TokenRegistry(self.clock)
        self.limits = RateLimiter(self.clock, rate)
        self.faults = FaultBook()
        self.requests: list[LoggedRequest] = []
        """The request log, secrets redacted."""
        self.sent: list[dict[str, Any]] = []
        """Every message the accounts sent, in order."""
        self.actions: list[dict[str, Any]] = []
        """Sender actions (typing, mark_seen) the accounts performed."""
        self.ig_page_extra_fields = False
        """Whether Instagram-via-Page threads accept Messenger's snippet/unread_count fields."""
        self.strict = strict
        """Refuse what Meta refuses: strangers' threads under Standard Access, HUMAN_AGENT
        without the feature, calls without ``appsecret_proof`` when the app requires it,
        one app's secret on the other app's exchange. Off only to try a lenient client."""
        self.standard_access = False
        """Whether the app lacks Advanced Access: only people with a role on the app can be
        messaged and (strict) their threads alone can be read."""
        self.human_agent_feature = True
        """Whether the app's Human Agent feature is approved (the HUMAN_AGENT tag needs it)."""
        self.require_app_secret = False
        """The App Dashboard's "Require App Secret": every call must carry a proof."""
        self.business_pages = False
        """The Page is owned by a business portfolio: ``/me/accounts`` answers nothing and
        only ``debug_token``'s granular scopes name it."""
        self.webhooks = WebhookEmitter(self)
        """Meta's webhook deliveries, once ``/_sim/webhooks`` subscribed a callback URL."""
        self.handed_over: dict[str, str] = {}
        """Customer id -> the app that took their thread over (events go to standby)."""
        self._edits: dict[str, int] = {}
        self._outcome_faults = 0
        self._trace_rng = random.Random(seed * 7919 + 1)
        self.traffic_rng = random.Random(seed * 104729 + 2)
        seed_tokens(self.tokens, self.world, int(self.clock.timestamp()))

    # -- tokens -----------------------------------------------------------------------------

    def control_token(self, value: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sim/tokens/{token}``: expire, revoke, rescope or re-time a token."""
        token = self.tokens.get(value)
        if token is None:
            raise KeyError("no such token")
        now = int(self.clock.timestamp())
        if body.get("expire"):
            token.expires_at = now - 1
        if body.get("revoke"):
            token.revoked = int(body["revoke"])
        if "scopes" in body:
            token.scopes = [str(s) for s in body["scopes"]]
        if "expires_in" in body:
            token.expires_at = now + int(body["expires_in"])
        return {"data": self.tokens.debug_info(value)}

    # -- the handler and its servers -----------------------------------------------------------

    async def handle(self, req: SimRequest) -> SimResponse:
        """Answer one request; both servers call this."""
        return await handler.handle(self, req)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that answers in-process (for the demo and fast tests)."""
        from tui.simulator.transport import SimTransport

        return SimTransport(self)

    def next_trace_id(self) -> str:
        return "A" + "".join(
            self._trace_rng.choice(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
            )
            for _ in range(self._trace_rng.randint(10, 26))
        )

    def log(self, req: SimRequest, resp: SimResponse, error_code: int | None, trace: str) -> None:
        query = tuple((k, "REDACTED" if k in _SECRET_PARAMS else v) for k, v in req.query)
        bearer = req.headers.get("authorization", "").lower().startswith("bearer ")
        self.requests.append(
            LoggedRequest(
                graph_time(self.clock.now()),
                req.method,
                req.host,
                req.path,
                query,
                resp.status,
                error_code,
                trace,
                bearer,
            )
        )

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sim/config``: rate settings, high-volume mode, field strictness."""
        if "high_volume" in body:
            self.limits.config.high_volume = bool(body["high_volume"])
        if "rate" in body:
            self.limits.config.update(dict(body["rate"]))
        if "standard_access" in body:
            self.standard_access = bool(body["standard_access"])
        if "ig_page_extra_fields" in body:
            self.ig_page_extra_fields = bool(body["ig_page_extra_fields"])
        for name in ("strict", "human_agent_feature", "require_app_secret", "business_pages"):
            if name in body:
                setattr(self, name, bool(body[name]))
        return {
            "rate": vars(self.limits.config),
            "ig_page_extra_fields": self.ig_page_extra_fields,
            "standard_access": self.standard_access,
            "strict": self.strict,
            "human_agent_feature": self.human_agent_feature,
            "require_app_secret": self.require_app_secret,
            "business_pages": self.business_pages,
        }

    def app_secret_for(self, app_id: str) -> str | None:
        """The secret of the app that issued a token (Facebook app or Instagram app)."""
        world = self.world
        return {world.app_id: world.app_secret, world.ig_app_id: world.ig_app_secret}.get(app_id)

    def dashboard_token(self, platform: str) -> str:
        """What the App Dashboard's Generate button hands the owner: the Page token for
        Messenger and Instagram via the Page, a fresh 60-day token for Instagram Login."""
        if platform in ("instagram-login", "instagram_login"):
            like = self.tokens.get(self.world.tokens["ig_login"])
            assert like is not None
            fresh = self.tokens.issue(
                like, self.world.ids.token("IGAA"), lifetime=LONG_LIVED_SECONDS, long_lived=True
            )
            return fresh.value
        return self.page_token()

    def hides(self, conv: SimConversation) -> bool:
        """Whether Standard Access keeps this thread from the app (strict mode only)."""
        return self.strict and self.standard_access and not conv.customer.has_role

    def page_token(self) -> str:
        """The Page token a user token is handed today; a new one once the last died.

        Meta derives Page tokens from the user's token: after a re-login the Page token
        that was revoked with the old session is replaced, never handed out again.
        """
        current = self.tokens.get(self.world.tokens["page"])
        if current is not None and self.tokens.problem(current) is None:
            return current.value
        assert current is not None
        fresh = self.tokens.issue(current, self.world.ids.token("EAA"), lifetime=0, long_lived=True)
        self.world.tokens["page"] = fresh.value
        return fresh.value

    # -- sends ------------------------------------------------------------------------------

    def record_send(
        self,
        inbox: Inbox,
        conv: SimConversation,
        msg: SimMessage,
        messaging_type: str | None,
        tag: str | None,
    ) -> None:
        self.sent.append(
            {
                "account": inbox.key,
                "platform": inbox.platform,
                "recipient_id": conv.customer.id,
                "conversation_id": conv.id,
                "message_id": msg.id,
                "text": msg.text,
                "attachments": msg.attachments,
                "messaging_type": messaging_type,
                "tag": tag,
                "created_time": graph_time(msg.created_at),
            }
        )
        self.webhooks.message(inbox, conv, msg)  # the echo of our own send

    def record_action(self, conv: SimConversation, action: str) -> None:
        self.actions.append(
            {
                "conversation_id": conv.id,
                "recipient_id": conv.customer.id,
                "action": action,
                "at": graph_time(self.clock.now()),
            }
        )

    def arm_outcome_faults(self, count: int) -> None:
        """The next ``count`` sends deliver, then answer with a transient 500."""
        self._outcome_faults = max(0, count)

    def take_outcome_fault(self) -> bool:
        if self._outcome_faults > 0:
            self._outcome_faults -= 1
            return True
        return False

    # -- customers --------------------------------------------------------------------------

    def _inbox(self, account: str) -> Inbox:
        inbox = self.world.inbox(account)
        if inbox is None:
            raise KeyError(f"no such account: {account}")
        return inbox

    def _thread(self, inbox: Inbox, customer_id: str | None, name: str | None) -> SimConversation:
        world = self.world
        if customer_id and customer_id in inbox.customers:
            customer = inbox.customers[customer_id]
        else:
            customer = world.new_customer(inbox, name)
            if customer_id:
                del inbox.customers[customer.id]
                customer.id = customer_id
                inbox.customers[customer_id] = customer
        for conv in inbox.conversations:
            if conv.customer is customer:
                return conv
        return world.new_conversation(inbox, customer)

    def inbound(
        self,
        account: str,
        customer_id: str | None,
        text: str | None,
        *,
        attachment: dict[str, Any] | None = None,
        name: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A customer writes (a new customer when ``customer_id`` is unknown or ``None``).

        ``attachment`` is ``{"type": "image"}``, ``{"type": "file", "name": ...}``,
        ``{"type": "story_reply"}`` / ``{"type": "story_mention"}`` (Instagram), or any
        object with a ``url``, kept as given.
        """
        inbox = self._inbox(account)
        conv = self._thread(inbox, customer_id, name)
        msg = SimMessage(
            self.world.ids.message_id(inbox.platform), at or self.clock.now(), True, text or ""
        )
        if attachment:
            self._attach(inbox, msg, attachment)
        self.world.add_message(conv, msg)
        conv.unread_count += 1
        self.webhooks.message(inbox, conv, msg)
        return self.message_json(inbox, conv, msg)

    def _attach(self, inbox: Inbox, msg: SimMessage, attachment: dict[str, Any]) -> None:
        kind = attachment.get("type", "image")
        if kind == "image":
            msg.attachments.append(image_attachment(self.world, inbox.platform))
        elif kind == "file":
            name = str(attachment.get("name", "document.pdf"))
            msg.attachments.append(file_attachment(self.world, name, "application/pdf"))
        elif kind in ("story_reply", "story_mention"):
            story_id = self.world.ids.digits(17, "179")
            link = f"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={story_id}"
            key = "reply_to" if kind == "story_reply" else "mention"
            msg.story = {key: {"link": link, "id": story_id}}
        else:
            msg.attachments.append({"id": self.world.ids.digits(16), **attachment})

    def react(
        self, account: str, customer_id: str | None, emoji: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """A customer reacts to the account's latest message; this reopens the window."""
        inbox = self._inbox(account)
        conv = self._thread(inbox, customer_id, None)
        own = [m for m in conv.messages if not m.from_customer]
        if not own:
            raise KeyError("nothing to react to in that conversation")
        target = own[-1]
        user = {"id": conv.customer.id, "username": conv.customer.username}
        target.reactions.append({"reaction": emoji, "users": [user]})
        moment = at or self.clock.now()
        conv.last_inbound_at = max(conv.last_inbound_at or moment, moment)
        self.webhooks.reaction(inbox, conv, target, emoji)
        return {**self.message_json(inbox, conv, target), "reaction": emoji}

    # -- what only webhooks tell (the Graph API shows the result, never the event) -----------

    def _find(self, message_id: str) -> tuple[Inbox, SimConversation, SimMessage]:
        found = self.world.messages.get(message_id)
        if found is None:
            raise KeyError(f"no such message: {message_id}")
        conv, msg = found
        return self._inbox(conv.inbox_key), conv, msg

    def edit(self, message_id: str, text: str) -> dict[str, Any]:
        """The sender edits a message: the API shows the new text, a webhook says so."""
        inbox, conv, msg = self._find(message_id)
        msg.text = text
        count = self._edits.get(message_id, 0) + 1
        self._edits[message_id] = count
        self.webhooks.edit(inbox, conv, msg, count)
        return self.message_json(inbox, conv, msg)

    def unsend(self, message_id: str) -> dict[str, Any]:
        """The customer unsends: the message is gone from the API; a webhook says so."""
        inbox, conv, msg = self._find(message_id)
        conv.messages.remove(msg)
        del self.world.messages[message_id]
        self.webhooks.unsend(inbox, conv, msg)
        return {"id": message_id, "removed": True}

    def unreact(self, account: str, customer_id: str) -> dict[str, Any]:
        inbox = self._inbox(account)
        conv = self._thread(inbox, customer_id, None)
        for msg in reversed(conv.messages):
            kept = [r for r in msg.reactions if conv.customer.id not in str(r.get("users"))]
            if len(kept) != len(msg.reactions):
                msg.reactions = kept
                self.webhooks.reaction(inbox, conv, msg, None)
                return {"id": msg.id, "unreacted": True}
        raise KeyError("no reaction of that customer to take back")

    def customer_reads(self, account: str, customer_id: str) -> dict[str, Any]:
        """The customer opens the thread: read (and delivery) receipts for our messages."""
        inbox = self._inbox(account)
        conv = self._thread(inbox, customer_id, None)
        own = [m for m in conv.messages if not m.from_customer]
        if own:
            self.webhooks.delivery(inbox, conv, own[-1])
        self.webhooks.read(inbox, conv)
        return {"conversation_id": conv.id, "read": True}

    def reply_elsewhere(
        self, account: str, customer_id: str, text: str, *, app_id: str = PAGE_INBOX_APP
    ) -> dict[str, Any]:
        """A reply sent from the phone app or Business Suite (not through this app)."""
        inbox = self._inbox(account)
        conv = self._thread(inbox, customer_id, None)
        msg = SimMessage(self.world.ids.message_id(inbox.platform), self.clock.now(), False, text)
        self.world.add_message(conv, msg)
        self.webhooks.message(inbox, conv, msg, app_id=app_id)
        return self.message_json(inbox, conv, msg)

    def hand_over(self, account: str, customer_id: str, app_id: str) -> dict[str, Any]:
        """Another app takes the thread (handover protocol); its events go to standby."""
        inbox = self._inbox(account)
        conv = self._thread(inbox, customer_id, None)
        self.webhooks.handover(inbox, conv, app_id)
        self.handed_over[conv.customer.id] = app_id
        return {"conversation_id": conv.id, "owner": app_id}

    def message_json(self, inbox: Inbox, conv: SimConversation, msg: SimMessage) -> dict[str, Any]:
        return {
            "id": msg.id,
            "account": inbox.key,
            "platform": inbox.platform,
            "conversation_id": conv.id,
            "customer_id": conv.customer.id,
            "customer_name": conv.customer.name,
            "created_time": graph_time(msg.created_at),
            "text": msg.text,
            "attachments": msg.attachments,
            "story": msg.story,
        }

    # -- accounts, config files, traffic ----------------------------------------------------

    def seeded_accounts(self, base_url: str) -> list[dict[str, Any]]:
        """Config-ready account tables (with their tokens) for a simulator at ``base_url``."""
        world, base = self.world, base_url.rstrip("/")
        page, ig, login = (world.inboxes[k] for k in (PAGE_KEY, IG_PAGE_KEY, IG_LOGIN_KEY))
        accounts: list[dict[str, Any]] = [
            {
                "id": PAGE_KEY,
                "platform": "messenger",
                "page_id": page.owner_id,
                "graph_url": base,
                "name": page.owner_name,
                "token": world.tokens["page"],
            },
            {
                "id": IG_PAGE_KEY,
                "platform": "instagram",
                "api": "page",
                "page_id": world.page_id,
                "ig_user_id": ig.owner_id,
                "graph_url": base,
                "name": ig.owner_username,
                "token": world.tokens["page"],
            },
            {
                "id": IG_LOGIN_KEY,
                "platform": "instagram",
                "api": "instagram_login",
                "ig_user_id": login.owner_id,
                "graph_url": base + "/instagram",
                "name": login.owner_username,
                "token": world.tokens["ig_login"],
            },
        ]
        if self.human_agent_feature:
            # The simulated app has the Human Agent feature approved; its config says so.
            for account in accounts:
                account["human_agent"] = True
        return accounts

    def write_config(self, directory: Path, base_url: str) -> Path:
        """Write ``config.toml`` (no tokens) and a 0600 ``secrets.toml``; return the config."""
        from tui.simulator.configfile import write_config

        world = self.world
        apps = {
            "facebook": (world.app_id, world.app_secret),
            "instagram": (world.ig_app_id, world.ig_app_secret),
        }
        return write_config(directory, self.seeded_accounts(base_url), apps)

    async def traffic(
        self, *, mean_interval: float = 4.0, stop: asyncio.Event | None = None
    ) -> None:
        """Customers write at random until ``stop`` is set; quiet threads stay quiet."""
        from tui.simulator.traffic import run_traffic

        await run_traffic(self, mean_interval, stop or asyncio.Event())

    def window_age(self, conv: SimConversation) -> timedelta | None:
        """How long ago the customer last wrote or reacted."""
        if conv.last_inbound_at is None:
            return None
        return self.clock.now() - conv.last_inbound_at
