"""A stored webhook event -> what it means for one thread, before any store is touched.

Shapes from Meta's webhook event references (messages, message_echoes, message_edits,
message_reactions, message_reads / messaging_seen, message_deliveries, standby,
messaging_handovers) for Messenger and Instagram. The conversation is not in a webhook,
only the two people in it: the customer is whichever side is not the account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.domain.models import Attachment, MessageKind

STORY_KINDS = {"story_mention": MessageKind.STORY_MENTION}


class Unreadable(ValueError):
    """An event whose fields have the wrong shape: set aside, never applied."""


@dataclass(frozen=True)
class Routed:
    """Who is who in an event."""

    owner_id: str
    """The Page or Instagram account the event belongs to (``entry.id``)."""
    customer_id: str
    from_us: bool
    at: datetime


@dataclass(frozen=True)
class NewMessage:
    route: Routed
    mid: str
    text: str = ""
    kind: MessageKind = MessageKind.MESSAGE
    attachments: tuple[Attachment, ...] = ()
    unsupported: bool = False
    standby: bool = False
    """Delivered on ``standby``: another app is the thread's primary receiver."""


@dataclass(frozen=True)
class Edit:
    route: Routed
    mid: str
    text: str
    count: int


@dataclass(frozen=True)
class Unsend:
    route: Routed
    mid: str


@dataclass(frozen=True)
class Reaction:
    route: Routed
    mid: str
    """The message reacted to."""
    emoji: str | None
    """``None`` when the reaction was taken back."""


@dataclass(frozen=True)
class Receipt:
    route: Routed
    seen: datetime | None = None
    delivered: datetime | None = None
    seen_mid: str | None = None
    """Instagram's read receipt names a message instead of a time."""
    delivered_mids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Owner:
    route: Routed
    owner_app: str
    """The app that now owns the thread; ``""`` for "ours" (or unknown and not another)."""


@dataclass(frozen=True)
class Ignored:
    reason: str


Action = NewMessage | Edit | Unsend | Reaction | Receipt | Owner | Ignored


def _ms(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unreadable("time is not a number")
    seconds = value / 1000 if value > 10**11 else float(value)
    return datetime.fromtimestamp(seconds, UTC)


def _id(raw: Mapping[str, Any], key: str) -> str:
    part = raw.get(key)
    value = part.get("id") if isinstance(part, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise Unreadable(f"no {key}.id")
    return value


def _str(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable(f"{key} is not a string")
    return value


def _attachment(raw: object) -> tuple[Attachment, MessageKind | None]:
    if not isinstance(raw, Mapping):
        raise Unreadable("an attachment is not an object")
    kind = _str(raw, "type") or "file"
    payload = raw.get("payload")
    url = name = None
    if isinstance(payload, Mapping):
        url = _str(payload, "url") or None
        name = _str(payload, "title") or _str(payload, "name") or None
    if kind == "story_mention":
        return Attachment(kind="story", url=url), MessageKind.STORY_MENTION
    return Attachment(kind=kind, url=url, name=name), None


def parse(object_type: str, entry_id: str, payload: str, app_id: str = "") -> Action:
    """Read one stored event; raises ``Unreadable`` for a shape that cannot be trusted."""
    try:
        data = json.loads(payload)
    except ValueError:
        raise Unreadable("stored payload is not JSON") from None
    event = data.get("event") if isinstance(data, Mapping) else None
    source = data.get("source") if isinstance(data, Mapping) else None
    if not isinstance(event, Mapping):
        raise Unreadable("no event")
    if source == "changes":
        return Ignored("a change notification (not a messaging event)")
    sender, recipient = _id(event, "sender"), _id(event, "recipient")
    from_us = sender == entry_id
    customer = recipient if from_us else sender
    at = _ms(event.get("timestamp", 0)) if "timestamp" in event else datetime.now(UTC)
    route = Routed(entry_id, customer, from_us, at)
    standby = source == "standby"

    message = event.get("message")
    if isinstance(message, Mapping):
        return _message(route, message, standby, object_type)
    edit = event.get("message_edit")
    if isinstance(edit, Mapping):
        count = edit.get("num_edit", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise Unreadable("num_edit is not a number")
        return Edit(route, _required(edit, "mid"), _str(edit, "text"), max(1, count))
    reaction = event.get("reaction")
    if isinstance(reaction, Mapping):
        mid = _required(reaction, "mid")
        if _str(reaction, "action") == "unreact":
            return Reaction(route, mid, None)
        emoji = _str(reaction, "emoji") or _str(reaction, "reaction") or "?"
        return Reaction(route, mid, emoji)
    read = event.get("read")
    if isinstance(read, Mapping):
        if "watermark" in read:
            return Receipt(route, seen=_ms(read["watermark"]))
        return Receipt(route, seen_mid=_required(read, "mid"))
    delivery = event.get("delivery")
    if isinstance(delivery, Mapping):
        mids = delivery.get("mids") or []
        if not isinstance(mids, list) or not all(isinstance(m, str) for m in mids):
            raise Unreadable("delivery.mids is not a list of ids")
        watermark = _ms(delivery["watermark"]) if "watermark" in delivery else None
        return Receipt(route, delivered=watermark, delivered_mids=tuple(mids))
    for key in ("pass_thread_control", "take_thread_control"):
        control = event.get(key)
        if isinstance(control, Mapping):
            new_owner = str(control.get("new_owner_app_id", "") or "")
            if key == "take_thread_control" and not new_owner:
                new_owner = "another app"
            ours = bool(app_id) and new_owner == app_id
            return Owner(route, "" if ours else (new_owner or "another app"))
    if standby:
        return Owner(route, "another app")
    return Ignored("an event kind Linkdeck does not use")


def _required(raw: Mapping[str, Any], key: str) -> str:
    value = _str(raw, key)
    if not value:
        raise Unreadable(f"no {key}")
    return value


def _message(route: Routed, message: Mapping[str, Any], standby: bool, object_type: str) -> Action:
    mid = _required(message, "mid")
    if message.get("is_deleted") is True:
        return Unsend(route, mid)
    if message.get("is_echo") is True:
        route = Routed(route.owner_id, route.customer_id, True, route.at)
    kind = MessageKind.ECHO if route.from_us else MessageKind.MESSAGE
    attachments: list[Attachment] = []
    raw_attachments = message.get("attachments") or []
    if not isinstance(raw_attachments, list):
        raise Unreadable("attachments is not a list")
    for raw in raw_attachments:
        attachment, implied = _attachment(raw)
        attachments.append(attachment)
        if implied is not None and not route.from_us:
            kind = implied
    reply_to = message.get("reply_to")
    story = reply_to.get("story") if isinstance(reply_to, Mapping) else None
    if isinstance(story, Mapping):
        attachments.append(Attachment(kind="story", url=_str(story, "url") or None))
        if not route.from_us:
            kind = MessageKind.STORY_REPLY
    return NewMessage(
        route,
        mid,
        text=_str(message, "text"),
        kind=kind,
        attachments=tuple(attachments),
        unsupported=message.get("is_unsupported") is True,
        standby=standby,
    )
