"""Graph API JSON -> domain objects, strict about types so bad records can be set aside."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from tui.domain import Attachment, Conversation, Identity, InboxMessage, MessageKind, Platform


class MalformedRecord(ValueError):
    """A record whose fields have the wrong shape; it is skipped and reported, never stored."""


def parse_time(value: object) -> datetime:
    """``"2026-05-01T10:15:02+0000"`` (or ISO-8601 with a colon or ``Z``) -> aware UTC."""
    if not isinstance(value, str):
        raise MalformedRecord("time is not a string")
    try:
        parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MalformedRecord("unreadable time") from None
    if parsed.tzinfo is None:
        raise MalformedRecord("time without a zone")
    return parsed.astimezone(UTC)


def _str(raw: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            raise MalformedRecord(f"missing {key}")
        return ""
    if not isinstance(value, str):
        raise MalformedRecord(f"{key} is not a string")
    if required and not value:
        raise MalformedRecord(f"empty {key}")
    return value


def _obj(raw: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MalformedRecord(f"{key} is not an object")
    return value


def _data_list(raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    edge = _obj(raw, key)
    if edge is None:
        return []
    data = edge.get("data", [])
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise MalformedRecord(f"{key}.data is not a list of objects")
    return data


def _int(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRecord(f"{key} is not an integer")
    return value


def _bool(raw: Mapping[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise MalformedRecord(f"{key} is not a boolean")
    return value


def _buttons(raw: Mapping[str, Any], key: str) -> list[str]:
    """The titles of a template's buttons (``buttons`` lists or a single ``cta``)."""
    value = raw.get(key)
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [
        f"[{title}]" for item in items if isinstance(item, dict) and (title := _str(item, "title"))
    ]


def template_text(raw: Mapping[str, Any]) -> str:
    """A template attachment's words as plain lines: title, subtitle, then its buttons.

    Reads the Message node's ``generic_template{title,subtitle,cta}`` and the Send API's
    ``payload{template_type, text, elements[{title, subtitle, buttons}], buttons}``.
    """
    lines: list[str] = []
    blocks: list[Mapping[str, Any]] = []
    template = _obj(raw, "generic_template")
    if template is not None:
        blocks.append(template)
    payload = _obj(raw, "payload")
    if payload is not None:
        text = _str(payload, "text")
        if text:
            lines.append(text)
        elements = payload.get("elements")
        if isinstance(elements, list):
            blocks.extend(item for item in elements if isinstance(item, dict))
        buttons = _buttons(payload, "buttons")
        if buttons:
            lines.append(" ".join(buttons))
    for block in blocks:
        lines.extend(part for part in (_str(block, "title"), _str(block, "subtitle")) if part)
        buttons = _buttons(block, "buttons") + _buttons(block, "cta")
        if buttons:
            lines.append(" ".join(buttons))
    return "\n".join(lines)


def _attachment(raw: Mapping[str, Any]) -> Attachment:
    mime = _str(raw, "mime_type") or None
    name = _str(raw, "name") or None
    url: str | None = None
    kind = _str(raw, "type")
    for key, implied in (("image_data", "image"), ("video_data", "video")):
        media = _obj(raw, key)
        if media is not None:
            url = _str(media, "url") or None
            kind = kind or implied
    template = _obj(raw, "generic_template")
    if template is not None:
        kind = kind or "template"
        cta = _obj(template, "cta")
        url = url or _str(template, "media_url") or (_str(cta, "url") if cta else "") or None
    payload = _obj(raw, "payload")
    if payload is not None:
        url = url or _str(payload, "url") or None
    url = url or _str(raw, "file_url") or None
    if not kind and mime:
        major = mime.split("/", 1)[0]
        kind = major if major in ("image", "video", "audio") else "file"
    return Attachment(
        kind=kind or "file", url=url, name=name, mime_type=mime, size=_int(raw, "size")
    )


def message_from_json(
    raw: Mapping[str, Any],
    *,
    account_id: str,
    conversation_id: str,
    owner_ids: Collection[str],
) -> InboxMessage:
    """Map a Graph message node; raises ``MalformedRecord`` when it cannot be trusted."""
    remote_id = _str(raw, "id", required=True)
    created_at = parse_time(raw.get("created_time"))
    sender = _obj(raw, "from")
    if sender is None:
        raise MalformedRecord("missing from")
    sender_id = _str(sender, "id", required=True)
    text = _str(raw, "message")
    from_us = sender_id in owner_ids
    kind = MessageKind.ECHO if from_us else MessageKind.MESSAGE

    records = _data_list(raw, "attachments")
    attachments = [_attachment(item) for item in records]
    if not text:
        # A template (generic, button) carries its words in the attachment, not the text.
        text = "\n".join(filter(None, (template_text(item) for item in records)))
    for share in _data_list(raw, "shares"):
        link = _str(share, "link") or None
        attachments.append(Attachment(kind="share", url=link, name=_str(share, "name") or None))

    story = _obj(raw, "story")
    if story is not None:
        for key, story_kind in (
            ("reply_to", MessageKind.STORY_REPLY),
            ("mention", MessageKind.STORY_MENTION),
        ):
            ref = _obj(story, key)
            if ref is not None:
                if not from_us:
                    kind = story_kind
                attachments.append(
                    Attachment(
                        kind="story", url=_str(ref, "link") or None, ref=_str(ref, "id") or None
                    )
                )
                break

    # An inline (quoted) reply: {"mid": "...", "is_self_reply": false}.
    quoted = _obj(raw, "reply_to")
    reply_to = (_str(quoted, "mid") or _str(quoted, "id") or None) if quoted is not None else None
    reply_to_self = bool(quoted is not None and _bool(quoted, "is_self_reply"))

    unsupported = raw.get("is_unsupported") is True
    return InboxMessage(
        account_id=account_id,
        remote_id=remote_id,
        conversation_id=conversation_id,
        sender_id=sender_id,
        created_at=created_at,
        text=text,
        kind=kind,
        from_us=from_us,
        sender_name=_str(sender, "name") or _str(sender, "username"),
        attachments=tuple(attachments),
        unsupported=unsupported,
        reply_to=reply_to,
        reply_to_self=reply_to_self,
    )


def reactions_from_json(
    raw: Mapping[str, Any],
    message: InboxMessage,
    *,
    owner_ids: Collection[str],
    name_keys: tuple[str, ...] = ("name", "username"),
) -> list[InboxMessage]:
    """The customers' reactions to ``message``, each as a REACTION event of its own.

    The message node does not say when a reaction happened, so the event carries the
    reacted message's time; its id is derived from the message and the person, which keeps
    it stable across polls. ``name_keys`` are the user fields that name the person on this
    platform, first found wins: a Messenger reaction must not be signed with an Instagram
    handle (the person's name on Messenger is their name; without one, the conversation's).
    """
    events: list[InboxMessage] = []
    for item in _data_list(raw, "reactions"):
        emoji = _str(item, "reaction")
        users = item.get("users", [])
        if not isinstance(users, list):
            raise MalformedRecord("reactions.users is not a list")
        for user in users:
            if not isinstance(user, dict):
                raise MalformedRecord("a reaction user is not an object")
            user_id = _str(user, "id", required=True)
            if user_id in owner_ids or not emoji:
                continue
            events.append(
                InboxMessage(
                    account_id=message.account_id,
                    remote_id=f"{message.remote_id}:reaction:{user_id}",
                    conversation_id=message.conversation_id,
                    sender_id=user_id,
                    created_at=message.created_at,
                    kind=MessageKind.REACTION,
                    sender_name=next((n for k in name_keys if (n := _str(user, k))), ""),
                    reaction=emoji,
                )
            )
    return events


def placeholder_message(
    raw: Mapping[str, Any], *, account_id: str, conversation_id: str
) -> InboxMessage:
    """A message whose details the platform will not give (Instagram's 20-most-recent rule)."""
    return InboxMessage(
        account_id=account_id,
        remote_id=_str(raw, "id", required=True),
        conversation_id=conversation_id,
        sender_id="",
        created_at=parse_time(raw.get("created_time")),
        text="",
        unsupported=True,
    )


def conversation_from_json(
    raw: Mapping[str, Any],
    *,
    account_id: str,
    platform: Platform,
    owner_ids: Collection[str],
) -> Conversation:
    """Map a Graph conversation node; the customer is the participant who is not us."""
    remote_id = _str(raw, "id", required=True)
    updated_at = parse_time(raw.get("updated_time"))
    customer: Identity | None = None
    for person in _data_list(raw, "participants"):
        person_id = _str(person, "id", required=True)
        if person_id in owner_ids:
            continue
        customer = Identity(
            account_id=account_id,
            platform_user_id=person_id,
            name=_str(person, "name"),
            username=_str(person, "username"),
        )
        break
    if customer is None:
        raise MalformedRecord("no customer among the participants")
    return Conversation(
        account_id=account_id,
        remote_id=remote_id,
        platform=platform,
        customer=customer,
        updated_at=updated_at,
        snippet=_str(raw, "snippet"),
        unread_count=_int(raw, "unread_count") or 0,
        message_count=_int(raw, "message_count") or 0,
        is_owner=_bool(raw, "is_owner"),
    )


def last_message_from(listing: Mapping[str, Any], sender_id: str) -> datetime | None:
    """The newest time ``sender_id`` wrote in a conversation listing with expanded messages.

    Lenient on purpose: it only informs an error message, so unreadable records are ignored.
    """
    last: datetime | None = None
    data = listing.get("data")
    for conversation in data if isinstance(data, list) else []:
        edge = conversation.get("messages") if isinstance(conversation, dict) else None
        records = edge.get("data") if isinstance(edge, dict) else None
        for raw in records if isinstance(records, list) else []:
            sender = raw.get("from") if isinstance(raw, dict) else None
            if not isinstance(sender, dict) or sender.get("id") != sender_id:
                continue
            try:
                when = parse_time(raw.get("created_time"))
            except MalformedRecord:
                continue
            last = when if last is None else max(last, when)
    return last


def text_field(data: Mapping[str, Any], key: str) -> str:
    """A string field, or ``""`` when absent or of another type."""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def safe_id(value: str) -> str:
    """A platform id fit for our own wording; anything that is not digits is not shown."""
    return value if value.isdigit() else "another account"
