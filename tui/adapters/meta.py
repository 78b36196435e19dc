"""Behaviour shared by the Messenger and Instagram adapters (both speak the Graph API)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from contextlib import aclosing
from datetime import datetime
from typing import Any, ClassVar

from tui.adapters.base import SENDER_ACTIONS, ConversationChange, SendResult, Verification
from tui.adapters.errors import (
    AdapterError,
    InvalidRequest,
    OutcomeUnknown,
    PartialListing,
    PermissionMissing,
    TokenInvalid,
    WindowClosed,
)
from tui.adapters.graph import GraphClient, next_cursor, with_cursor
from tui.adapters.mapping import (
    MalformedRecord,
    conversation_from_json,
    last_message_from,
    message_from_json,
    placeholder_message,
    reactions_from_json,
    safe_id,
    text_field,
)
from tui.domain import Account, InboxMessage, Platform, QuarantinedRecord, text_limit_ok
from tui.domain.window import HUMAN_AGENT_WINDOW

log = logging.getLogger(__name__)

WALK_RESTARTS = 3
"""How often a conversation walk that failed part-way starts again below what it read."""
MIN_PAGE = 5

MESSAGE_FIELDS = (
    "id,created_time,from,to,message,attachments,story,shares,reactions,is_unsupported,reply_to"
)
PAGE_SIZE = 25
LOOKBACK_MAX_PAGES = 40
"""How far back the "was it delivered?" check reads (40 pages of 25 messages)."""


class GraphAdapter:
    """One account reached through the Graph API; subclasses name the paths and fields."""

    platform: ClassVar[Platform]
    required_permissions: dict[str, str]
    """Permission -> the feature its absence disables (set by each subclass)."""
    send_permission: str
    read_permission: str
    conversation_fields: ClassVar[str] = (
        "id,updated_time,participants,messages.limit(1){id,created_time}"
    )
    recent_limit: ClassVar[int] = PAGE_SIZE
    """How many messages ``new_messages`` asks for in its single request."""
    detail_limited: ClassVar[bool] = False
    """Instagram gives details only for a conversation's 20 most recent messages."""
    token_type: str = "PAGE"

    def __init__(self, account: Account, client: GraphClient) -> None:
        self.account = account
        self.client = client
        self.problems: list[QuarantinedRecord] = []
        self.owner_ids: set[str] = {
            value for value in (account.owner_id, account.page_id, account.ig_user_id) if value
        }

    # -- paths (overridden per API) -------------------------------------------------------

    def conversations_path(self) -> str:
        return f"{self.account.page_id}/conversations"

    def conversations_params(self) -> dict[str, str | int]:
        return {"platform": self.platform.value}

    def send_path(self) -> str:
        return f"{self.account.page_id}/messages"

    def send_extra(self) -> dict[str, Any]:
        """Body fields every text send carries (Messenger requires ``messaging_type``)."""
        return {"messaging_type": "RESPONSE"}

    # -- problems -------------------------------------------------------------------------

    def take_problems(self) -> list[QuarantinedRecord]:
        taken, self.problems = self.problems, []
        return taken

    def _problem(self, kind: str, raw: object, reason: str) -> None:
        remote_id = raw.get("id") if isinstance(raw, dict) else None
        self.problems.append(
            QuarantinedRecord(
                account_id=self.account.id,
                kind=kind,
                reason=reason,
                payload=json.dumps(raw, ensure_ascii=False, default=str)[:10_000],
                at=self.client.clock(),
                remote_id=remote_id if isinstance(remote_id, str) else None,
            )
        )
        log.warning("skipped a malformed %s record: %s", kind, reason)

    # -- verification ---------------------------------------------------------------------

    async def identity(self) -> tuple[str, str, str | None]:
        """(account name, owner id, problem) for the token: by default the Page it speaks for."""
        response = await self.client.get("me", {"fields": "id,name"})
        name, owner_id = text_field(response.data, "name"), text_field(response.data, "id")
        expected = self.account.page_id
        if expected and owner_id != expected:
            return (
                name,
                owner_id,
                f"the token is for {safe_id(owner_id)}, not Page {expected}",
            )
        return name, owner_id, None

    async def granted_permissions(self) -> frozenset[str]:
        response = await self.client.get("me/permissions")
        data = response.data.get("data")
        granted: set[str] = set()
        if isinstance(data, list):
            for item in data:
                if isinstance(item, dict) and item.get("status") == "granted":
                    name = item.get("permission")
                    if isinstance(name, str):
                        granted.add(name)
        return frozenset(granted)

    async def verify(self) -> Verification:
        required = frozenset(self.required_permissions)
        try:
            try:
                name, owner_id, error = await self.identity()
            except PermissionMissing as exc:
                # Still worth listing what is granted: that names the culprit.
                name, owner_id, error = self.account.name, self.account.owner_id, str(exc)
            granted = await self.granted_permissions()
        except TokenInvalid as exc:
            return Verification(
                account_name=self.account.name,
                owner_id=self.account.owner_id,
                token_valid=False,
                expires_at=None,
                granted=frozenset(),
                required=required,
                missing=dict(self.required_permissions),
                token_type=self.token_type,
                error=str(exc),
            )
        if owner_id and error is None:
            self.owner_ids.add(owner_id)
        missing = {p: what for p, what in self.required_permissions.items() if p not in granted}
        if missing and error is None:
            error = "missing permissions: " + ", ".join(sorted(missing))
        return Verification(
            account_name=name,
            owner_id=owner_id,
            token_valid=True,
            # Only debug_token tells a Page token's expiry, and it wants the token in the URL.
            expires_at=None,
            granted=granted,
            required=required,
            missing=missing,
            token_type=self.token_type,
            error=error,
        )

    # -- reading --------------------------------------------------------------------------

    async def changed_conversations(
        self, since: datetime | None, *, max_pages: int = 50
    ) -> list[ConversationChange]:
        """Conversations updated at or after ``since``, newest first.

        A page that fails after others were read (the cursor-depth limit of "Paginated
        Results", an outage) does not throw the read pages away: the walk starts again
        below the oldest conversation read, with ``until`` (time-based paging) and a smaller
        page, up to ``WALK_RESTARTS`` times. If it still fails, ``PartialListing`` carries
        what was read.
        """
        changes: list[ConversationChange] = []
        seen: set[str] = set()
        limit, until = PAGE_SIZE, None
        pages_left = max_pages
        for restart in range(WALK_RESTARTS + 1):
            before = len(changes)
            try:
                done, pages_left = await self._walk(
                    since, changes, seen, limit=limit, until=until, max_pages=pages_left
                )
            except AdapterError as exc:
                if not changes or isinstance(exc, PartialListing):
                    raise
                if until is not None and len(changes) == before:
                    # Nothing new since the last start (the edge ignored ``until``, or fails
                    # at once): starting again would only repeat itself.
                    raise PartialListing(exc, changes) from None
                if restart == WALK_RESTARTS or pages_left <= 0:
                    raise PartialListing(exc, changes) from None
                log.info("conversation walk failed part-way (%s); going on below", exc)
                until = changes[-1].updated_at
                limit = max(MIN_PAGE, limit // 2)
                continue
            if done or pages_left <= 0:
                break
        return changes

    async def _walk(
        self,
        since: datetime | None,
        changes: list[ConversationChange],
        seen: set[str],
        *,
        limit: int,
        until: datetime | None,
        max_pages: int,
    ) -> tuple[bool, int]:
        """Append a walk's conversations to ``changes``; returns (reached ``since`` or the
        end, pages left)."""
        params = self.conversations_params()
        params["fields"] = self.conversation_fields
        params["limit"] = limit
        if until is not None:
            # Inclusive of the second the last read conversation shares with others.
            params["until"] = int(until.timestamp()) + 1
        pages = self.client.paginate(
            self.conversations_path(), params, max_pages=max_pages, permission=self.read_permission
        )
        async with aclosing(pages):
            async for page in pages:
                max_pages -= 1
                for raw in page:
                    if not isinstance(raw, dict):
                        self._problem("conversation", raw, "not an object")
                        continue
                    try:
                        conversation = conversation_from_json(
                            raw,
                            account_id=self.account.id,
                            platform=self.platform,
                            owner_ids=self.owner_ids,
                        )
                    except MalformedRecord as exc:
                        self._problem("conversation", raw, str(exc))
                        continue
                    # Strictly older ends the walk: the boundary second may hold news.
                    if since is not None and conversation.updated_at < since:
                        return True, max_pages
                    if conversation.remote_id in seen:
                        continue
                    seen.add(conversation.remote_id)
                    changes.append(
                        ConversationChange(
                            conversation, conversation.updated_at, newest_message_id(raw)
                        )
                    )
        return True, max_pages

    def _map_messages(
        self, conversation_id: str, records: Sequence[object]
    ) -> list[tuple[Mapping[str, Any], InboxMessage | None]]:
        """Each record with its message, or ``None`` where details are missing (Instagram)."""
        mapped: list[tuple[Mapping[str, Any], InboxMessage | None]] = []
        for raw in records:
            if not isinstance(raw, dict):
                self._problem("message", raw, "not an object")
                continue
            if self.detail_limited and "from" not in raw:
                mapped.append((raw, None))
                continue
            try:
                message = message_from_json(
                    raw,
                    account_id=self.account.id,
                    conversation_id=conversation_id,
                    owner_ids=self.owner_ids,
                )
                reactions = reactions_from_json(
                    raw,
                    message,
                    owner_ids=self.owner_ids,
                    # Messenger people have no handle; Instagram's reaction users carry only
                    # {id, username} (reference: the IG message fields).
                    name_keys=("name",)
                    if self.platform is Platform.MESSENGER
                    else ("username", "name"),
                )
            except MalformedRecord as exc:
                self._problem("message", raw, str(exc))
                continue
            mapped.append((raw, message))
            mapped.extend((raw, event) for event in reactions)
        return mapped

    def _placeholder(self, conversation_id: str, raw: Mapping[str, Any]) -> InboxMessage | None:
        try:
            return placeholder_message(
                raw, account_id=self.account.id, conversation_id=conversation_id
            )
        except MalformedRecord as exc:
            self._problem("message", raw, str(exc))
            return None

    async def _recent(self, conversation_id: str, limit: int) -> tuple[list[object], str | None]:
        """The newest messages of a conversation (one request) and the cursor past them."""
        fields = f"messages.limit({limit}){{{MESSAGE_FIELDS}}}"
        response = await self.client.get(
            conversation_id, {"fields": fields}, permission=self.read_permission
        )
        edge = response.data.get("messages")
        if not isinstance(edge, dict) or not isinstance(edge.get("data"), list):
            return [], None
        return list(edge["data"]), next_cursor(edge)

    async def _page(
        self, conversation_id: str, cursor: str | None
    ) -> tuple[list[object], str | None]:
        """A page of messages (after ``cursor`` if given) and the cursor past it, if any."""
        params: dict[str, str | int] = {"fields": MESSAGE_FIELDS, "limit": PAGE_SIZE}
        if cursor:
            params = with_cursor(params, cursor)
        response = await self.client.get(
            f"{conversation_id}/messages", params, permission=self.read_permission
        )
        data = response.data.get("data")
        following = next_cursor(response.data)
        return (data if isinstance(data, list) else []), (
            None if following == cursor else following
        )

    async def new_messages(
        self, conversation_id: str, since: datetime | None, *, max_pages: int = 5
    ) -> list[InboxMessage]:
        """Messages at or after ``since``, newest first.

        One request, unless more than a page arrived since ``since``: then older pages
        follow (up to ``max_pages``) so that a burst leaves no gap. Without ``since`` only the
        newest page is read; ``backfill`` fetches the rest. The boundary second is included
        on purpose: Graph times have one-second resolution, and the store keeps each id once.
        """
        records, cursor = await self._recent(conversation_id, self.recent_limit)
        found: list[InboxMessage] = []
        for page in range(max_pages):
            reached_since = False
            for raw, message in self._map_messages(conversation_id, records):
                if message is None:
                    message = self._placeholder(conversation_id, raw)
                if message is None:
                    continue
                if since is None or message.created_at >= since:
                    found.append(message)
                else:
                    reached_since = True
            if since is None or reached_since or cursor is None or page == max_pages - 1:
                break
            records, cursor = await self._page(conversation_id, cursor)
        return found

    async def backfill(
        self,
        conversation_id: str,
        *,
        older_than: datetime | None,
        not_before: datetime | None,
        page_cursor: str | None,
    ) -> tuple[list[InboxMessage], str | None]:
        """One page of history (newest first); the next cursor is ``None`` once done.

        Done means: no further page, a page reaching past ``not_before``, or a repeated cursor.
        """
        records, cursor = await self._page(conversation_id, page_cursor)
        messages: list[InboxMessage] = []
        reached_depth = False
        details_gone = False
        for raw, mapped in self._map_messages(conversation_id, records):
            message = mapped
            if message is None:
                # Older than the 20 most recent: one detail fetch proves the rule for this
                # page, after which every older record is a placeholder without asking.
                if not details_gone:
                    message = await self._detail(conversation_id, raw)
                    details_gone = message is None
                if message is None:
                    message = self._placeholder(conversation_id, raw)
            if message is None:
                continue
            if not_before is not None and message.created_at < not_before:
                reached_depth = True
                continue
            if older_than is not None and message.created_at >= older_than:
                continue
            messages.append(message)
        if reached_depth or cursor is None or cursor == page_cursor:
            return messages, None
        return messages, cursor

    async def _detail(self, conversation_id: str, raw: Mapping[str, Any]) -> InboxMessage | None:
        remote_id = raw.get("id")
        if not isinstance(remote_id, str) or not remote_id:
            return None
        try:
            response = await self.client.get(remote_id, {"fields": MESSAGE_FIELDS})
        except InvalidRequest:
            return None
        messages = self._map_messages(conversation_id, [response.data])
        return messages[0][1] if messages else None

    async def find_sent(
        self,
        conversation_id: str,
        text: str,
        after: datetime,
        *,
        exclude: Collection[str] = (),
    ) -> str | None:
        """Our message with this text at or after ``after``, not one of ``exclude``.

        Reads back page by page, newest first, until a message older than ``after`` (or
        the thread's first message) proves the search complete, however many messages
        came since. ``None`` means the reply is surely not there.

        Raises:
            OutcomeUnknown: the look-back could not prove it either way: more than
                ``LOOKBACK_MAX_PAGES`` pages, or a message in the window whose details the
                platform no longer gives (Instagram's 20 most recent).
        """
        records, cursor = await self._recent(conversation_id, self.recent_limit)
        unreadable = 0
        details_gone = False
        for _page in range(LOOKBACK_MAX_PAGES):
            reached_start = False
            for raw, mapped in self._map_messages(conversation_id, records):
                message = mapped
                if message is None and not details_gone:
                    # As in backfill: once one detail is refused, every older one is too.
                    message = await self._detail(conversation_id, raw)
                    details_gone = message is None
                if message is None:
                    hidden = self._placeholder(conversation_id, raw)
                    if hidden is None or hidden.created_at >= after:
                        unreadable += 1
                    else:
                        reached_start = True
                    continue
                if message.created_at < after:
                    reached_start = True
                    continue
                if message.from_us and message.text == text and message.remote_id not in exclude:
                    return message.remote_id
            if reached_start or cursor is None:
                if unreadable:
                    raise OutcomeUnknown(
                        f"{unreadable} message(s) since the send can no longer be read"
                    )
                return None
            records, cursor = await self._page(conversation_id, cursor)
        raise OutcomeUnknown(f"more than {LOOKBACK_MAX_PAGES} pages since the send")

    # -- sending --------------------------------------------------------------------------

    async def send_text(
        self, recipient_id: str, text: str, *, human_agent: bool = False
    ) -> SendResult:
        if not text.strip():
            raise InvalidRequest("empty message")
        if not text_limit_ok(self.platform.value, text):
            raise InvalidRequest(f"message too long for {self.platform.value}")
        body: dict[str, Any] = {"recipient": {"id": recipient_id}}
        body.update(self.send_extra())
        if human_agent:
            body["messaging_type"] = "MESSAGE_TAG"
            body["tag"] = "HUMAN_AGENT"
        body["message"] = {"text": text}
        try:
            response = await self.client.post(
                self.send_path(), body, permission=self.send_permission
            )
        except WindowClosed as exc:
            possible = False if human_agent else await self._human_agent_possible(recipient_id)
            raise WindowClosed(possible, **exc.platform_fields()) from None
        return send_result(response.data, recipient_id)

    async def _human_agent_possible(self, recipient_id: str) -> bool:
        """Whether the customer's last message is recent enough for a HUMAN_AGENT reply."""
        params = self.conversations_params()
        params["user_id"] = recipient_id
        params["fields"] = "id,messages.limit(20){id,created_time,from}"
        try:
            response = await self.client.get(self.conversations_path(), params)
        except AdapterError:
            return False
        last = last_message_from(response.data, recipient_id)
        if last is None:
            return False
        age = self.client.clock() - last
        # The platform already said the standard window is closed; only the 7 days matter.
        return age < HUMAN_AGENT_WINDOW

    async def sender_action(self, recipient_id: str, action: str) -> None:
        if action not in SENDER_ACTIONS:
            raise InvalidRequest(f"unknown sender action {action!r}")
        body = {"recipient": {"id": recipient_id}, "sender_action": action}
        await self.client.post(self.send_path(), body, permission=self.send_permission)

    async def refresh_token(self) -> tuple[str, datetime | None] | None:
        return None


def send_result(data: Mapping[str, Any], recipient_id: str) -> SendResult:
    """Any success shape the Send API documents, as a result; a 2xx is never a failure.

    ``{"recipient_id", "message_id"}``; ``{"message_id"}`` alone (a recipient addressed by
    ``user_ref``); ``{"recipient": {"id", "message_id"}}``; ``{"recipient": {"id"},
    "message_id"}``. Without any message id the send still happened: the id is ``""`` and
    the next poll brings the message itself.
    """
    nested = data.get("recipient")
    nested = nested if isinstance(nested, Mapping) else {}
    message_id = data.get("message_id") or nested.get("message_id")
    recipient = data.get("recipient_id") or nested.get("id")
    return SendResult(
        message_id if isinstance(message_id, str) else "",
        recipient if isinstance(recipient, str) and recipient else recipient_id,
    )


def newest_message_id(raw: Mapping[str, Any]) -> str | None:
    """The id in a listing's ``messages.limit(1){id}`` expansion, if present and sane."""
    messages = raw.get("messages")
    data = messages.get("data") if isinstance(messages, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        first = data[0].get("id")
        return first if isinstance(first, str) and first else None
    return None
