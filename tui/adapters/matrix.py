"""The Matrix adapter: one account on one homeserver, through mautrix-python's client API.

mautrix-python (the library of the mautrix bridges) brings the Client-Server API paths,
typed errors, ``.well-known`` discovery, login/logout, receipts and typing. It speaks
aiohttp, not httpx: this adapter is the one place that uses it. ``/sync`` is read as
raw JSON and mapped by :mod:`tui.adapters.matrix_events`, so bridge state and unknown
event types are never lost to a schema.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import aiohttp
from mautrix.api import HTTPAPI, Method, Path
from mautrix.client import ClientAPI
from mautrix.errors import MatrixConnectionError, MatrixRequestError
from mautrix.types import DeviceID, EventID, EventType, RoomID, UserID

from tui.adapters.base import ConversationChange, SendResult, Verification
from tui.adapters.errors import (
    AdapterError,
    InvalidRequest,
    OutcomeUnknown,
    PermissionMissing,
    RateLimited,
    TokenInvalid,
    Transient,
)
from tui.adapters.matrix_events import (
    RoomInfo,
    apply_state,
    invitation_text,
    map_event,
    reply_content,
)
from tui.domain import (
    Account,
    Conversation,
    Identity,
    InboxMessage,
    MessageKind,
    QuarantinedRecord,
)
from tui.domain.clock import utc_now

log = logging.getLogger(__name__)
T = TypeVar("T")

TIMELINE_LIMIT = 50
PAGE_LIMIT = 100
LONG_POLL_MS = 30_000
ROOM_PREFIX = "room:"
INVITE_PREFIX = "invite:"
"""The id of the note that stands for a waiting invitation in its conversation."""
SYNC_FILTER = json.dumps(
    {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": TIMELINE_LIMIT},
            "state": {"lazy_load_members": True},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    },
    separators=(",", ":"),
)


class MatrixClient:
    """The HTTP side of one Matrix account: mautrix's ClientAPI on an aiohttp session.

    Offers what the sync engine reads of every adapter's client (``request_count``,
    ``usage``, ``aclose``). The session is made on first use, inside the event loop.
    """

    usage = None

    def __init__(
        self, homeserver: str, token: str | Callable[[], str], user_id: str, device_id: str
    ) -> None:
        self.homeserver = homeserver.rstrip("/")
        self._token = token
        self.user_id = user_id
        self.device_id = device_id
        self.request_count = 0
        self._api: ClientAPI | None = None
        self._session: aiohttp.ClientSession | None = None

    def token(self) -> str:
        return self._token() if callable(self._token) else self._token

    @property
    def api(self) -> ClientAPI:
        if self._api is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=LONG_POLL_MS / 1000 + 60, connect=10)
            )
            http = HTTPAPI(
                self.homeserver,
                self.token(),
                client_session=self._session,
                default_retry_count=0,
                log=logging.getLogger("linkdeck.matrix.http"),  # type: ignore[arg-type]
            )
            self._api = ClientAPI(UserID(self.user_id), DeviceID(self.device_id), api=http)
        return self._api

    async def call(self, make: Callable[[ClientAPI], Awaitable[T]], *, sending: bool = False) -> T:
        """Run one request, mapping mautrix and aiohttp failures to adapter errors."""
        self.request_count += 1
        try:
            return await make(self.api)
        except MatrixRequestError as exc:
            raise map_matrix_error(exc) from None
        except (MatrixConnectionError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            what = type(exc).__name__
            if sending:
                raise OutcomeUnknown(f"homeserver did not answer the send ({what})") from None
            raise Transient(f"homeserver unreachable ({what})") from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None
        self._api = None


def map_matrix_error(exc: MatrixRequestError) -> AdapterError:
    """A homeserver's error answer as one of our adapter errors (its words kept apart)."""
    status = exc.http_status
    code = getattr(exc, "errcode", None) or ""
    words = str(getattr(exc, "message", "") or "")[:300]
    if code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN") or status == 401:
        return TokenInvalid(
            "logged out" if code == "M_UNKNOWN_TOKEN" else "rejected",
            platform_message=words,
            http_status=status,
        )
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        return RateLimited(utc_now() + timedelta(seconds=5), platform_message=words)
    if code == "M_FORBIDDEN" or status == 403:
        return PermissionMissing(None, platform_message=words, http_status=status)
    if status >= 500:
        return Transient(f"homeserver error {status}", platform_message=words, http_status=status)
    return InvalidRequest(
        f"homeserver refused: {code or status}", platform_message=words, http_status=status
    )


@dataclass
class SyncBatch:
    """What one ``/sync`` brought, ready to commit in one transaction."""

    next_batch: str
    conversations: list[Conversation] = field(default_factory=list)
    messages: list[InboxMessage] = field(default_factory=list)
    edits: list[InboxMessage] = field(default_factory=list)
    """``m.replace`` events as the message they rewrite (its id), sent by the editor:
    applied only when the editor wrote the original (see the sync service)."""
    redactions: list[tuple[str, str]] = field(default_factory=list)
    """(room id, event id) pairs to remove."""
    rooms: dict[str, RoomInfo] = field(default_factory=dict)
    """Rooms whose remembered info changed."""
    gaps: dict[str, str] = field(default_factory=dict)
    """Room id -> the ``prev_batch`` token of a limited timeline: history is missing there."""
    left: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    """Rooms a known bridge (its bot or one of its puppets) invited us to: to join."""


@dataclass
class HistoryPage:
    """One ``/messages`` page, oldest last."""

    messages: list[InboxMessage]
    edits: list[InboxMessage]
    """Edits found on the page, oldest first (applied after ``messages``, if genuine)."""
    redactions: list[tuple[str, str]]
    plain_ids: list[str]
    """Ids of the page's ordinary events (not edits): to tell when history reaches home."""
    next_token: str | None
    oldest: datetime | None


class MatrixAdapter:
    """One Matrix account; rooms become conversations, events become messages."""

    recent_limit = TIMELINE_LIMIT
    private_receipts = True
    """Read receipts can be private (``m.read.private``) when the user turns them off."""

    def __init__(self, account: Account, client: MatrixClient) -> None:
        self.account = account
        self.client = client
        self.problems: list[QuarantinedRecord] = []
        self.rooms: dict[str, RoomInfo] = {}
        self.me = account.user_id or client.user_id

    # -- remembered room state -------------------------------------------------------------

    def restore(self, cursors: Mapping[str, str]) -> None:
        """Load the rooms' remembered info from the stored cursors (after a restart)."""
        for name, value in cursors.items():
            if name.startswith(ROOM_PREFIX) and name[len(ROOM_PREFIX) :] not in self.rooms:
                self.rooms[name[len(ROOM_PREFIX) :]] = RoomInfo.from_json(value)

    def conversation(self, room_id: str, updated_at: datetime) -> Conversation:
        info = self.rooms.get(room_id, RoomInfo())
        customer = Identity(self.account.id, room_id, name=info.display_name(self.me) or room_id)
        return Conversation(
            account_id=self.account.id,
            remote_id=room_id,
            platform=info.platform,
            customer=customer,
            updated_at=updated_at,
        )

    # -- the real-time path ----------------------------------------------------------------

    async def sync(self, since: str | None, timeout_ms: int = 0) -> SyncBatch:
        """One ``/sync``: ``timeout_ms`` long-polls until something happens."""
        query = {"timeout": str(timeout_ms), "filter": SYNC_FILTER}
        if since:
            query["since"] = since
        data = await self.client.call(
            lambda api: api.api.request(Method.GET, Path.v3.sync, query_params=query)
        )
        if not isinstance(data, Mapping) or not isinstance(data.get("next_batch"), str):
            raise Transient("homeserver sent a sync without next_batch")
        batch = SyncBatch(next_batch=data["next_batch"])
        rooms = data.get("rooms")
        joined = rooms.get("join") if isinstance(rooms, Mapping) else None
        if isinstance(joined, Mapping):
            for room_id, room in joined.items():
                if isinstance(room_id, str) and isinstance(room, Mapping):
                    self._sync_room(batch, room_id, room)
        left = rooms.get("leave") if isinstance(rooms, Mapping) else None
        if isinstance(left, Mapping):
            batch.left = [r for r in left if isinstance(r, str)]
        invited = rooms.get("invite") if isinstance(rooms, Mapping) else None
        if isinstance(invited, Mapping):
            trusted = self.bridge_members()
            for room_id, room in invited.items():
                if isinstance(room_id, str) and isinstance(room, Mapping):
                    self._invited(batch, room_id, room, trusted)
        return batch

    def bridge_members(self) -> set[str]:
        """The bots of the bridges found in joined rooms, and their puppets.

        A bridge is known from the ``m.bridge`` state of a room the account is in; its
        puppets are the other members of such rooms on the bot's server (mautrix-meta's
        ghosts live there, registered in the bridge's namespace).
        """
        known: set[str] = set()
        for info in self.rooms.values():
            if info.invited_by or not info.bridged or not info.bridge_bot:
                continue
            known.add(info.bridge_bot)
            server = _server(info.bridge_bot)
            known.update(m for m in info.members if _server(m) == server)
        known.discard(self.me)
        return known

    def _invited(
        self, batch: SyncBatch, room_id: str, room: Mapping[str, Any], trusted: set[str]
    ) -> None:
        """An invitation: join it when a known bridge sent it, else list it as waiting.

        mautrix-meta creates each portal as its bridge bot and invites the user from the
        bot (from a puppet when a remote person adds the user to a chat). The invite's
        stripped state cannot be trusted (anyone can put ``m.bridge`` in a room they make),
        so only who sent the invitation counts.
        """
        events = _events(room.get("invite_state"))
        inviter = ""
        for event in events:
            if (
                event.get("type") == "m.room.member"
                and event.get("state_key") == self.me
                and isinstance(event.get("content"), Mapping)
                and event["content"].get("membership") == "invite"
            ):
                inviter = str(event.get("sender") or "")
        if not inviter:
            return
        if inviter in trusted:
            batch.joins.append(room_id)
            return
        current = self.rooms.get(room_id)
        if current is not None and not current.invited_by:
            return  # a room we are in already (a re-invite after a kick): nothing to list
        info = self.rooms.setdefault(room_id, RoomInfo())
        before = info.to_json()
        info.invited_by = inviter
        for event in events:
            # Names only: bridge and encryption state of a room not joined mean nothing.
            if event.get("type") in ("m.room.name", "m.room.member"):
                apply_state(info, event, self.me)
        if inviter not in info.members:
            info.members.append(inviter)
        name = info.names.get(inviter, "")
        now = utc_now()
        batch.messages.append(
            InboxMessage(
                account_id=self.account.id,
                remote_id=f"{INVITE_PREFIX}{room_id}",
                conversation_id=room_id,
                sender_id=inviter,
                created_at=now,
                from_us=False,
                sender_name=name or _localpart(inviter),
                kind=MessageKind.MESSAGE,
                text=invitation_text(inviter, name),
                unsupported=True,
            )
        )
        if info.to_json() != before:
            batch.rooms[room_id] = info
        batch.conversations.append(self.conversation(room_id, now))

    async def join(self, room_id: str) -> None:
        """Accept an invitation (``/join``)."""
        await self.client.call(lambda api: api.join_room_by_id(RoomID(room_id)))

    def _sync_room(self, batch: SyncBatch, room_id: str, room: Mapping[str, Any]) -> None:
        info = self.rooms.setdefault(room_id, RoomInfo())
        before = info.to_json()
        if info.invited_by:
            # Joined (accepted in another client): the waiting invitation's note goes.
            info.invited_by = ""
            batch.redactions.append((room_id, f"{INVITE_PREFIX}{room_id}"))
        summary = room.get("summary")
        heroes = summary.get("m.heroes") if isinstance(summary, Mapping) else None
        if isinstance(heroes, list):
            # With lazy-loaded members the heroes stand for the room's other people.
            for hero in heroes:
                if isinstance(hero, str) and hero not in info.members and hero != self.me:
                    info.members.append(hero)
        state = room.get("state")
        for event in _events(state):
            apply_state(info, event, self.me)
        timeline = room.get("timeline")
        events = _events(timeline)
        newest: datetime | None = None
        for event in events:
            if apply_state(info, event, self.me):
                continue
            mapped = map_event(
                event,
                account_id=self.account.id,
                room_id=room_id,
                me=self.me,
                info=info,
                homeserver=self.client.homeserver,
            )
            if mapped.redacts:
                batch.redactions.append((room_id, mapped.redacts))
            if mapped.message is not None and mapped.is_edit:
                batch.edits.append(mapped.message)
            elif mapped.message is not None:
                batch.messages.append(mapped.message)
                info.last_event = mapped.message.remote_id
                newest = mapped.message.created_at
        if (
            isinstance(timeline, Mapping)
            and timeline.get("limited")
            and isinstance(timeline.get("prev_batch"), str)
        ):
            batch.gaps[room_id] = timeline["prev_batch"]
        changed = info.to_json() != before
        if changed:
            batch.rooms[room_id] = info
        if changed or newest is not None:
            batch.conversations.append(self.conversation(room_id, newest or utc_now()))

    async def history(self, room_id: str, token: str, *, limit: int = PAGE_LIMIT) -> HistoryPage:
        """One page of a room's history going back from ``token`` (``/messages``, dir=b)."""
        path = Path.v3.rooms[RoomID(room_id)].messages
        query = {"dir": "b", "limit": str(limit)}
        if token:
            query["from"] = token
        data = await self.client.call(
            lambda api: api.api.request(Method.GET, path, query_params=query)
        )
        chunk = data.get("chunk") if isinstance(data, Mapping) else None
        info = self.rooms.setdefault(room_id, RoomInfo())
        for event in _events({"events": data.get("state")}) if isinstance(data, Mapping) else []:
            apply_state(info, event, self.me)
        messages: list[InboxMessage] = []
        edits: list[InboxMessage] = []
        redactions: list[tuple[str, str]] = []
        plain: list[str] = []
        oldest: datetime | None = None
        for event in chunk if isinstance(chunk, list) else []:
            if not isinstance(event, Mapping) or "state_key" in event:
                continue
            mapped = map_event(
                event,
                account_id=self.account.id,
                room_id=room_id,
                me=self.me,
                info=info,
                homeserver=self.client.homeserver,
            )
            if mapped.redacts:
                redactions.append((room_id, mapped.redacts))
            if mapped.message is not None and mapped.is_edit:
                edits.append(mapped.message)
            elif mapped.message is not None:
                messages.append(mapped.message)
                plain.append(mapped.message.remote_id)
                oldest = mapped.message.created_at
        end = data.get("end") if isinstance(data, Mapping) else None
        more = isinstance(end, str) and bool(chunk)
        # /messages runs newest first; the caller wants oldest first.
        messages.reverse()
        edits.reverse()
        return HistoryPage(messages, edits, redactions, plain, end if more else None, oldest)

    # -- the adapter contract --------------------------------------------------------------

    async def verify(self) -> Verification:
        whoami = await self.client.call(lambda api: api.whoami())
        return Verification(
            account_name=str(whoami.user_id),
            owner_id=str(whoami.user_id),
            token_valid=True,
            expires_at=None,
            granted=frozenset(),
            required=frozenset(),
            token_type="MATRIX",
        )

    async def changed_conversations(
        self, since: datetime | None, *, max_pages: int = 50
    ) -> list[ConversationChange]:
        return []  # Matrix has no conversation listing: /sync brings everything.

    async def new_messages(
        self, conversation_id: str, since: datetime | None
    ) -> list[InboxMessage]:
        return []

    async def backfill(
        self,
        conversation_id: str,
        *,
        older_than: datetime | None,
        not_before: datetime | None,
        page_cursor: str | None,
    ) -> tuple[list[InboxMessage], str | None]:
        if not page_cursor:
            return [], None
        page = await self.history(conversation_id, page_cursor)
        return page.messages, page.next_token

    async def send_text(
        self,
        recipient_id: str,
        text: str,
        *,
        human_agent: bool = False,
        txn_id: str | None = None,
        in_reply_to: str | None = None,
    ) -> SendResult:
        """Send to a room; the transaction id makes a retried send land once."""
        content = reply_content(text, in_reply_to)
        txn = txn_id or secrets.token_hex(12)
        event_id = await self.client.call(
            lambda api: api.send_message_event(
                RoomID(recipient_id), EventType.ROOM_MESSAGE, cast(Any, content), txn_id=txn
            ),
            sending=True,
        )
        return SendResult(str(event_id), recipient_id)

    async def sender_action(self, recipient_id: str, action: str) -> None:
        room = RoomID(recipient_id)
        if action == "typing_on":
            await self.client.call(lambda api: api.set_typing(room, timeout=30_000))
        elif action == "typing_off":
            await self.client.call(lambda api: api.set_typing(room, timeout=0))
        elif action in ("mark_seen", "mark_seen_private"):
            event = await self._newest_event(recipient_id)
            if event is None:
                return
            kind = "m.read" if action == "mark_seen" else "m.read.private"
            await self.client.call(
                lambda api: api.set_fully_read_marker(
                    room, EventID(event), extra_content=cast(Any, {kind: event})
                )
            )

    async def _newest_event(self, room_id: str) -> str | None:
        info = self.rooms.get(room_id)
        if info is not None and info.last_event:
            return info.last_event
        page = await self.history(room_id, "", limit=5)
        return page.plain_ids[0] if page.plain_ids else None

    async def find_sent(
        self,
        conversation_id: str,
        text: str,
        after: datetime,
        *,
        exclude: Collection[str] = (),
    ) -> str | None:
        page = await self.history(conversation_id, "", limit=PAGE_LIMIT)
        for message in page.messages:
            if (
                message.from_us
                and message.text == text
                and message.created_at >= after
                and message.remote_id not in exclude
            ):
                return message.remote_id
        return None

    async def refresh_token(self) -> tuple[str, datetime | None] | None:
        return None

    async def logout(self) -> None:
        """End this device's session on the homeserver (unlink)."""
        await self.client.call(lambda api: api.logout())

    def take_problems(self) -> list[QuarantinedRecord]:
        problems, self.problems = self.problems, []
        return problems


def _server(user_id: str) -> str:
    return user_id.partition(":")[2]


def _localpart(user_id: str) -> str:
    return user_id[1:].split(":", 1)[0] if user_id.startswith("@") else user_id


def _events(section: object) -> list[Mapping[str, Any]]:
    if not isinstance(section, Mapping):
        return []
    events = section.get("events")
    return [e for e in events if isinstance(e, Mapping)] if isinstance(events, list) else []
