"""The Send API: validation in Meta's order, reply windows, text limits, sender actions."""

from __future__ import annotations

from typing import Any

from tui.domain.window import HUMAN_AGENT_WINDOW, STANDARD_WINDOW
from tui.simulator.context import Ctx, loads_lenient, scope_for
from tui.simulator.protocol import GraphError, invalid_param, missing_object
from tui.simulator.world import INSTAGRAM, MESSENGER, Inbox, SimConversation, SimMessage

MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY"})
RETIRED_TAGS = frozenset({"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"})
SENDER_ACTIONS = frozenset({"typing_on", "typing_off", "mark_seen", "react", "unreact"})
ATTACHMENT_TYPES = frozenset(
    {"image", "audio", "video", "file", "template", "like_heart", "MEDIA_SHARE"}
)
WINDOW_MESSENGER = (
    "(#10) This message is sent outside of allowed window. Learn more about the new policy "
    "here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)
WINDOW_INSTAGRAM = "This message is sent outside of allowed window."
HUMAN_AGENT_REFUSED = "(#10) Application does not have permission for this action"
"""What the HUMAN_AGENT tag earns without the approved feature (observed wording, [L])."""


def _object(ctx: Ctx, name: str) -> dict[str, Any] | None:
    value = ctx.body.get(name)
    if value is None and ctx.req.param(name):
        value = loads_lenient(ctx.req.param(name) or "")  # query-string objects are JSON too
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_param(f"param {name} must be a JSON object")
    return value


def send(ctx: Ctx, target: str) -> dict[str, Any]:
    """``POST /{page-id}/messages``, ``/me/messages``, ``/{ig-id}/messages``."""
    token = ctx.require_token()
    inboxes = ctx.inboxes(token)
    owners = {i.owner_id for i in inboxes} | {i.page_id for i in inboxes if i.page_id}
    if target != "me" and target not in owners:
        raise missing_object(target, "post")
    recipient = _object(ctx, "recipient") or {}
    recipient_id = str(recipient.get("id") or "")
    # Which account speaks depends on who is addressed: a Page token reaches both the Page's
    # Messenger customers and its Instagram account's customers.
    inbox, conv = _locate(inboxes, recipient_id)
    ctx.require_scope(token, scope_for(inbox))
    if conv is None:
        if inbox.platform == MESSENGER:
            raise invalid_param("No matching user found", 2018001)
        raise GraphError(
            100,
            "No matching Instagram user",
            subcode=2534014,
            type=None if ctx.on_instagram else "OAuthException",
        )
    ctx.charge(inbox, "send")
    if ctx.sim.standard_access and not conv.customer.has_role:
        raise GraphError(
            200,
            "(#200) This person cannot receive messages: this app is in Standard Access and "
            "may only message people who have a role on it.",
            subcode=2018028,
        )
    if conv.customer.blocked:
        raise GraphError(551, "(#551) This person isn't available right now.", subcode=1545041)
    message = _object(ctx, "message")
    action = ctx.param("sender_action")
    if action and message is not None:
        raise invalid_param("Cannot send both message and state at the same time.", 2018014)
    if action:
        return _sender_action(ctx, conv, action)
    if message is None:
        raise invalid_param("param message must be non-empty.")
    messaging_type = ctx.param("messaging_type")
    tag = ctx.param("tag")
    _check_type_and_tag(inbox, messaging_type, tag)
    if tag == "HUMAN_AGENT" and ctx.sim.strict and not ctx.sim.human_agent_feature:
        # The tag needs the Human Agent feature approved in App Review.
        raise GraphError(10, HUMAN_AGENT_REFUSED)
    _check_window(ctx, inbox, conv, tag)
    text, attachment = _content(inbox, message)
    return _deliver(ctx, inbox, conv, text, attachment, messaging_type, tag)


def _locate(inboxes: list[Inbox], recipient_id: str) -> tuple[Inbox, SimConversation | None]:
    for inbox in inboxes:
        if recipient_id in inbox.customers:
            customer = inbox.customers[recipient_id]
            conv = next((c for c in inbox.conversations if c.customer is customer), None)
            return inbox, conv
    return inboxes[0], None


def _sender_action(ctx: Ctx, conv: SimConversation, action: str) -> dict[str, Any]:
    if action not in SENDER_ACTIONS:
        raise invalid_param("param sender_action must be one of {TYPING_ON, TYPING_OFF, MARK_SEEN}")
    if action == "mark_seen":
        conv.unread_count = 0
    ctx.sim.record_action(conv, action)
    return {"recipient_id": conv.customer.id}


def _check_type_and_tag(inbox: Inbox, messaging_type: str | None, tag: str | None) -> None:
    if inbox.platform == MESSENGER and not messaging_type:
        raise invalid_param("param messaging_type must be non-empty.")
    if messaging_type and messaging_type not in MESSAGING_TYPES:
        raise invalid_param(
            "param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG, UTILITY}"
        )
    if messaging_type == "MESSAGE_TAG" and not tag:
        raise invalid_param("param tag must be non-empty when messaging_type is MESSAGE_TAG.")
    if not tag:
        return
    if inbox.platform == INSTAGRAM and tag != "HUMAN_AGENT":
        raise invalid_param("Only the HUMAN_AGENT tag is available for Instagram Messaging.")
    if tag in RETIRED_TAGS:
        raise invalid_param(f"The message tag {tag} is no longer supported.")
    if tag != "HUMAN_AGENT":
        raise invalid_param(f"The message tag {tag} is not supported for this message.")


def _check_window(ctx: Ctx, inbox: Inbox, conv: SimConversation, tag: str | None) -> None:
    window = HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else STANDARD_WINDOW
    last = conv.last_inbound_at
    if last is not None and ctx.sim.clock.now() - last < window:
        return
    if inbox.platform == MESSENGER:
        raise GraphError(10, WINDOW_MESSENGER, subcode=2018278)
    if ctx.on_instagram:
        raise GraphError(10, WINDOW_INSTAGRAM, subcode=2534022, status=403)
    raise GraphError(10, "(#10) " + WINDOW_INSTAGRAM, subcode=2534022)


def _content(inbox: Inbox, message: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    text = message.get("text")
    attachment = message.get("attachment")
    if text is None and attachment is None:
        raise invalid_param("param message must contain text or an attachment.")
    if text is not None and not isinstance(text, str):
        raise invalid_param("param message[text] must be a string.")
    text = text or ""
    if inbox.platform == MESSENGER and len(text) >= 2000:
        raise invalid_param("Length of param message[text] must be less than 2000 characters.")
    if inbox.platform == INSTAGRAM and len(text.encode("utf-8", "surrogatepass")) > 1000:
        raise invalid_param("Message text must be UTF-8 and at most 1000 bytes.", 2534015)
    valid = isinstance(attachment, dict) and attachment.get("type") in ATTACHMENT_TYPES
    if attachment is not None and not valid:
        raise invalid_param("param message[attachment][type] is invalid.")
    return text, attachment


def _deliver(
    ctx: Ctx,
    inbox: Inbox,
    conv: SimConversation,
    text: str,
    attachment: dict[str, Any] | None,
    messaging_type: str | None,
    tag: str | None,
) -> dict[str, Any]:
    sim = ctx.sim
    msg = SimMessage(sim.world.ids.message_id(inbox.platform), sim.clock.now(), False, text)
    if attachment is not None:
        payload = attachment.get("payload") or {}
        url = payload.get("url") if isinstance(payload, dict) else None
        msg.attachments.append(
            {"id": sim.world.ids.digits(16), "type": attachment.get("type"), "url": url}
        )
    sim.world.add_message(conv, msg)
    conv.unread_count = 0  # replying marks the thread read, as in Meta's inboxes
    sim.record_send(inbox, conv, msg, messaging_type, tag)
    if sim.take_outcome_fault():
        raise GraphError(
            2,
            "An unexpected error has occurred. Please retry your request later.",
            status=500,
            is_transient=True,
        )
    return {"recipient_id": conv.customer.id, "message_id": msg.id}
