"""Read routes: conversations, messages, the nodes around them, with fields and paging."""

from __future__ import annotations

from typing import Any

from tui.domain.window import STANDARD_WINDOW
from tui.simulator.context import Ctx, scope_for
from tui.simulator.fields import FieldSpec, check_known, parse_fields, select, unparse
from tui.simulator.paging import page_url, paginate, parse_limit
from tui.simulator.protocol import GraphError, graph_time, invalid_param, missing_object
from tui.simulator.world import INSTAGRAM, MESSENGER, Inbox, SimConversation, SimMessage

IG_DETAIL_LIMIT = 20
"""Instagram gives details only for the 20 most recent messages of a conversation."""

CONVERSATION_FIELDS = frozenset({"id", "updated_time", "participants", "messages"})
MESSENGER_ONLY_FIELDS = frozenset(
    {"snippet", "message_count", "unread_count", "can_reply", "senders", "link"}
)
MESSAGE_FIELDS = frozenset(
    {
        "id",
        "created_time",
        "from",
        "to",
        "message",
        "attachments",
        "shares",
        "story",
        "reactions",
        "is_unsupported",
        "tags",
        "sticker",
        "reply_to",
    }
)
DEFAULT_CONVERSATION = [FieldSpec("id"), FieldSpec("updated_time")]
DEFAULT_MESSAGE = [FieldSpec("id"), FieldSpec("created_time")]


def _fields(ctx: Ctx, default: list[FieldSpec]) -> list[FieldSpec]:
    return parse_fields(ctx.param("fields")) or default


def list_conversations(ctx: Ctx, target: str) -> dict[str, Any]:
    """``GET /{page-id}/conversations``, ``/me/conversations``, ``/{ig-id}/conversations``."""
    token = ctx.require_token()
    if ctx.on_instagram:
        inbox = next(iter(ctx.inboxes(token)), None)
        if inbox is None or target not in ("me", inbox.owner_id):
            raise missing_object(target)
    else:
        if token.type != "PAGE":
            raise GraphError(190, "(#190) This method must be called with a Page Access Token")
        if target not in ("me", token.profile_id):
            raise missing_object(target)
        platform = (ctx.param("platform") or MESSENGER).lower()
        if platform not in (MESSENGER, INSTAGRAM):
            raise invalid_param("param platform must be one of {MESSENGER, INSTAGRAM}")
        inbox = next(i for i in ctx.inboxes(token) if i.platform == platform)
    ctx.require_scope(token, scope_for(inbox))
    ctx.charge(inbox, "conversations")
    if ctx.sim.limits.config.high_volume:
        raise GraphError(
            613,
            "(#613) Calls to this api have exceeded the rate limit. This account is over the "
            "high-volume messaging limit; read single conversations instead.",
        )
    specs = _fields(ctx, DEFAULT_CONVERSATION)
    _check_conversation_fields(ctx, inbox, specs)
    # Standard Access: threads of people without a role on the app are not there at all.
    threads = [c for c in inbox.conversations if not ctx.sim.hides(c)]
    user_id = ctx.param("user_id")
    if user_id:
        threads = [c for c in threads if c.customer.id == user_id]
    # `folder` is accepted; every simulated thread sits in the main inbox.
    threads.sort(key=lambda c: (c.updated_at, c.id), reverse=True)
    page, paging = paginate(
        threads,
        lambda c: c.id,
        limit=parse_limit(ctx.param("limit")),
        after=ctx.param("after"),
        before=ctx.param("before"),
        url=lambda cur: page_url(ctx.req.base_url, ctx.versioned(ctx.path), ctx.req.query, cur),
    )
    data = [render_conversation(ctx, inbox, c, specs) for c in page]
    return {"data": data, "paging": paging} if paging else {"data": data}


def _check_conversation_fields(ctx: Ctx, inbox: Inbox, specs: list[FieldSpec]) -> None:
    known = CONVERSATION_FIELDS
    if inbox.platform == MESSENGER or (inbox.api == "page" and ctx.sim.ig_page_extra_fields):
        known = known | MESSENGER_ONLY_FIELDS
    check_known(specs, known, "UnifiedThread")


def render_conversation(
    ctx: Ctx, inbox: Inbox, conv: SimConversation, specs: list[FieldSpec]
) -> dict[str, Any]:
    """One conversation node with only the requested fields (and its id)."""
    out: dict[str, Any] = {}
    people = [inbox.person(conv.customer), inbox.participant()]
    if inbox.platform == INSTAGRAM:
        people.reverse()
    newest = newest_first(conv)
    for spec in specs:
        name = spec.name
        if name == "id":
            out["id"] = conv.id
        elif name == "updated_time" and conv.updated_at:
            out["updated_time"] = graph_time(conv.updated_at)
        elif name in ("participants", "senders"):
            out[name] = select({"data": people}, spec.sub)
        elif name == "snippet":
            out["snippet"] = _snippet(newest[0]) if newest else ""
        elif name == "message_count":
            out["message_count"] = len(conv.messages)
        elif name == "unread_count":
            out["unread_count"] = conv.unread_count
        elif name == "can_reply":
            out["can_reply"] = not conv.customer.blocked and _window_open(ctx, conv)
        elif name == "link":
            out["link"] = f"/{inbox.owner_id}/inbox/{conv.id}/"
        elif name == "messages":
            limit = parse_limit(spec.modifiers.get("limit"))
            sub = spec.sub or DEFAULT_MESSAGE
            query = [("fields", unparse(sub)), ("limit", str(limit))]
            if ctx.req.param("access_token"):
                query.append(("access_token", ctx.req.param("access_token") or ""))
            out["messages"] = messages_edge(ctx, inbox, conv, sub, limit, None, None, query)
    out.setdefault("id", conv.id)
    return out


def _snippet(message: SimMessage) -> str:
    return message.text[:100]


def _window_open(ctx: Ctx, conv: SimConversation) -> bool:
    last = conv.last_inbound_at
    return last is not None and ctx.sim.clock.now() - last < STANDARD_WINDOW


def newest_first(conv: SimConversation) -> list[SimMessage]:
    order = {m.id: n for n, m in enumerate(conv.messages)}
    return sorted(conv.messages, key=lambda m: (m.created_at, order[m.id]), reverse=True)


def messages_edge(
    ctx: Ctx,
    inbox: Inbox,
    conv: SimConversation,
    specs: list[FieldSpec],
    limit: int,
    after: str | None,
    before: str | None,
    query: list[tuple[str, str]],
) -> dict[str, Any]:
    """A page of a conversation's messages, newest first, with absolute paging URLs."""
    check_known(specs, MESSAGE_FIELDS, "Message")
    newest = newest_first(conv)
    rank = {m.id: n for n, m in enumerate(newest)}
    path = ctx.versioned(f"/{conv.id}/messages")
    page, paging = paginate(
        newest,
        lambda m: m.id,
        limit=limit,
        after=after,
        before=before,
        url=lambda cur: page_url(ctx.req.base_url, path, query, cur),
    )
    data = [render_message(inbox, conv, m, specs, _detailed(inbox, rank[m.id])) for m in page]
    return {"data": data, "paging": paging} if paging else {"data": data}


def _detailed(inbox: Inbox, rank: int) -> bool:
    return inbox.platform != INSTAGRAM or rank < IG_DETAIL_LIMIT


def render_message(
    inbox: Inbox, conv: SimConversation, msg: SimMessage, specs: list[FieldSpec], detailed: bool
) -> dict[str, Any]:
    """One message node; older Instagram messages keep only their id and time."""
    customer, owner = inbox.person(conv.customer), inbox.participant()
    sender, recipient = (customer, owner) if msg.from_customer else (owner, customer)
    values: dict[str, Any] = {"id": msg.id, "created_time": graph_time(msg.created_at)}
    if detailed:
        values["from"] = sender
        values["to"] = {"data": [recipient]}
        values["message"] = msg.text
        if msg.attachments:
            values["attachments"] = {"data": msg.attachments}
        if msg.story:
            values["story"] = msg.story
        if msg.reactions:
            values["reactions"] = {"data": msg.reactions}
        if msg.is_unsupported:
            values["is_unsupported"] = True
        if msg.reply_to:
            values["reply_to"] = msg.reply_to
        if inbox.platform == MESSENGER:
            tags = [{"name": "inbox"}, {"name": "source:chat"}]
            if not msg.from_customer:
                tags.append({"name": "sent"})
            values["tags"] = {"data": tags}
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.name in values:
            out[spec.name] = select(values[spec.name], spec.sub)
    out.setdefault("id", msg.id)
    return out


def conversation_node(ctx: Ctx, conv: SimConversation, inbox: Inbox) -> dict[str, Any]:
    """``GET /{conversation-id}`` (with ``fields=messages.limit(n){...}`` expansion)."""
    token = ctx.require_token()
    ctx.require_scope(token, scope_for(inbox))
    ctx.charge(inbox, "conversations")
    specs = _fields(ctx, DEFAULT_CONVERSATION)
    _check_conversation_fields(ctx, inbox, specs)
    return render_conversation(ctx, inbox, conv, specs)


def conversation_messages(ctx: Ctx, conv: SimConversation, inbox: Inbox) -> dict[str, Any]:
    """``GET /{conversation-id}/messages``."""
    token = ctx.require_token()
    ctx.require_scope(token, scope_for(inbox))
    ctx.charge(inbox, "conversations")
    specs = _fields(ctx, DEFAULT_MESSAGE)
    return messages_edge(
        ctx,
        inbox,
        conv,
        specs,
        parse_limit(ctx.param("limit")),
        ctx.param("after"),
        ctx.param("before"),
        ctx.req.query,
    )


def message_node(ctx: Ctx, conv: SimConversation, msg: SimMessage, inbox: Inbox) -> dict[str, Any]:
    """``GET /{message-id}``; an Instagram message past the newest 20 reads as deleted."""
    token = ctx.require_token()
    ctx.require_scope(token, scope_for(inbox))
    ctx.charge(inbox, "conversations")
    specs = _fields(ctx, DEFAULT_MESSAGE)
    check_known(specs, MESSAGE_FIELDS, "Message")
    rank = [m.id for m in newest_first(conv)].index(msg.id)
    if not _detailed(inbox, rank):
        raise invalid_param(
            "This message has been deleted or is no longer available: only the 20 most recent "
            "messages of an Instagram conversation can be read"
        )
    return render_message(inbox, conv, msg, specs, True)


def find_visible(
    ctx: Ctx, object_id: str
) -> tuple[Inbox, SimConversation | None, SimMessage | None]:
    """The conversation or message ``object_id`` names, if the caller's token may see it."""
    token = ctx.require_token()
    world = ctx.sim.world
    visible = {i.key for i in ctx.inboxes(token)}
    if object_id in world.conversations:
        conv = world.conversations[object_id]
        if conv.inbox_key in visible and not ctx.sim.hides(conv):
            return world.inboxes[conv.inbox_key], conv, None
    if object_id in world.messages:
        conv, msg = world.messages[object_id]
        if conv.inbox_key in visible and not ctx.sim.hides(conv):
            return world.inboxes[conv.inbox_key], conv, msg
    raise missing_object(object_id)
