"""Matrix room state and timeline events -> Linkdeck's domain objects (pure functions).

Bridges announce themselves with an ``m.bridge`` state event (MSC2346; older bridges
send ``uk.half-shot.bridge``). Its ``protocol.id`` names the remote network. mautrix-meta
uses ``facebook`` for its Messenger connector and ``instagram`` for its Instagram one
(``pkg/connector/connector.go`` and ``pkg/igconnector/connector.go``, ``NetworkID``);
``messenger`` is accepted too (mautrix-meta's Messenger login flow id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from tui.domain import Attachment, InboxMessage, MessageKind, Platform

BRIDGE_EVENT_TYPES = ("m.bridge", "uk.half-shot.bridge")
PROTOCOLS: dict[str, Platform] = {
    "facebook": Platform.MESSENGER,
    "messenger": Platform.MESSENGER,
    "instagram": Platform.INSTAGRAM,
}
ENCRYPTED_TEXT = "Encrypted message: Linkdeck cannot read end-to-end encrypted rooms yet"
MEDIA_KINDS = {
    "m.image": "image",
    "m.video": "video",
    "m.audio": "audio",
    "m.file": "file",
}
MAX_NAMES = 200
"""Member names kept per room: enough for every sender of a chat, bounded for big rooms."""

JSON = dict[str, Any]


@dataclass
class RoomInfo:
    """What Linkdeck remembers of a room between syncs (kept as JSON with the sync token)."""

    name: str = ""
    """``m.room.name``, when the room has one."""
    protocol: str = ""
    """The bridge's protocol id (``instagram``, ``facebook``, ...), ``""`` when not bridged."""
    protocol_name: str = ""
    bridge_bot: str = ""
    encrypted: bool = False
    names: dict[str, str] = field(default_factory=dict)
    """Member user id -> display name."""
    members: list[str] = field(default_factory=list)
    """Joined members other than the account itself (the first few)."""
    last_event: str = ""
    """The newest event id seen: where a read receipt points."""
    invited_by: str = ""
    """Who invited the account, while an invitation waits (not joined); else ``""``."""

    @property
    def platform(self) -> Platform:
        return PROTOCOLS.get(self.protocol.lower(), Platform.MATRIX)

    @property
    def bridged(self) -> bool:
        return bool(self.protocol)

    def display_name(self, me: str) -> str:
        if self.name:
            return self.name
        others = [m for m in self.members if m not in (me, self.bridge_bot)]
        return ", ".join(self.names.get(m) or _localpart(m) for m in others[:3])

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RoomInfo:
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return cls()


def _localpart(user_id: str) -> str:
    return user_id[1:].split(":", 1)[0] if user_id.startswith("@") else user_id


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def apply_state(info: RoomInfo, event: Mapping[str, Any], me: str) -> bool:
    """Fold one state event into the room's info; returns whether it was a state event."""
    kind = _str(event.get("type"))
    key = event.get("state_key")
    if not isinstance(key, str):
        return False
    content = event.get("content")
    if not isinstance(content, Mapping):
        content = {}
    if kind == "m.room.name":
        info.name = _str(content.get("name"))
    elif kind in BRIDGE_EVENT_TYPES:
        protocol = content.get("protocol")
        if isinstance(protocol, Mapping) and _str(protocol.get("id")):
            info.protocol = _str(protocol.get("id"))
            info.protocol_name = _str(protocol.get("displayname"))
            info.bridge_bot = _str(content.get("bridgebot"))
        elif not content:
            info.protocol = info.protocol_name = info.bridge_bot = ""
    elif kind == "m.room.encryption":
        info.encrypted = bool(content)
    elif kind == "m.room.member":
        membership = _str(content.get("membership"))
        name = _str(content.get("displayname"))
        if name and (key in info.names or len(info.names) < MAX_NAMES):
            info.names[key] = name
        if key == me:
            return True
        if membership == "join" and key not in info.members:
            if len(info.members) < MAX_NAMES:
                info.members.append(key)
        elif membership in ("leave", "ban") and key in info.members:
            info.members.remove(key)
    return True


def invitation_text(inviter: str, name: str) -> str:
    """What a waiting invitation says in its conversation (plain words, no markup)."""
    who = f"{name} ({inviter})" if name and name != inviter else inviter
    return (
        f"Invitation from {who}, not accepted. Linkdeck joins by itself only the rooms "
        "your Messenger and Instagram bridges invite you to; accept or decline this one "
        "in another Matrix client."
    )


def media_url(homeserver: str, mxc: str) -> str | None:
    """The authenticated download URL of an ``mxc://server/id`` (Matrix 1.11)."""
    if not mxc.startswith("mxc://"):
        return None
    server, _, media_id = mxc[len("mxc://") :].partition("/")
    if not server or not media_id:
        return None
    return (
        f"{homeserver.rstrip('/')}/_matrix/client/v1/media/download/"
        f"{quote(server, safe='')}/{quote(media_id, safe='')}"
    )


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@who> quoted`` lines a reply carries for old clients."""
    if not body.startswith("> "):
        return body
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index < len(lines) and lines[index] == "":
        index += 1
    return "\n".join(lines[index:])


@dataclass(frozen=True)
class Mapped:
    """One timeline event, as Linkdeck sees it."""

    message: InboxMessage | None = None
    redacts: str | None = None
    """The event id a redaction removes."""
    is_edit: bool = False


def map_event(
    event: Mapping[str, Any],
    *,
    account_id: str,
    room_id: str,
    me: str,
    info: RoomInfo,
    homeserver: str,
) -> Mapped:
    """Map one timeline event; state and unknown events map to nothing."""
    kind = _str(event.get("type"))
    event_id = _str(event.get("event_id"))
    sender = _str(event.get("sender"))
    content = event.get("content")
    if not isinstance(content, Mapping):
        content = {}
    if kind == "m.room.redaction":
        target = _str(content.get("redacts")) or _str(event.get("redacts"))
        return Mapped(redacts=target or None)
    if not event_id or not sender or "state_key" in event:
        return Mapped()
    unsigned = event.get("unsigned")
    if isinstance(unsigned, Mapping) and "redacted_because" in unsigned:
        return Mapped()
    ts = event.get("origin_server_ts")
    if not isinstance(ts, int) or isinstance(ts, bool):
        return Mapped()
    from_us = sender == me
    base: JSON = {
        "account_id": account_id,
        "remote_id": event_id,
        "conversation_id": room_id,
        "sender_id": sender,
        "created_at": datetime.fromtimestamp(ts / 1000, UTC),
        "from_us": from_us,
        "sender_name": info.names.get(sender, "") or _localpart(sender),
        "kind": MessageKind.ECHO if from_us else MessageKind.MESSAGE,
    }
    if kind == "m.room.encrypted":
        return Mapped(InboxMessage(**base, text=ENCRYPTED_TEXT, unsupported=True))
    if kind == "m.reaction":
        relates = content.get("m.relates_to")
        if not isinstance(relates, Mapping) or not _str(relates.get("key")):
            return Mapped()
        base["kind"] = MessageKind.REACTION
        return Mapped(InboxMessage(**base, reaction=_str(relates.get("key"))[:64]))
    if kind not in ("m.room.message", "m.sticker"):
        return Mapped()
    relates = content.get("m.relates_to")
    if isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace":
        target = _str(relates.get("event_id"))
        new = content.get("m.new_content")
        if not target or not isinstance(new, Mapping):
            return Mapped()
        base["remote_id"] = target
        return Mapped(_message(base, new, kind, homeserver), is_edit=True)
    return Mapped(_message(base, content, kind, homeserver))


def _message(base: JSON, content: Mapping[str, Any], kind: str, homeserver: str) -> InboxMessage:
    msgtype = _str(content.get("msgtype"))
    body = _str(content.get("body"))
    relates = content.get("m.relates_to")
    answers = relates.get("m.in_reply_to") if isinstance(relates, Mapping) else None
    if isinstance(answers, Mapping):
        body = strip_reply_fallback(body)
        # The history draws "replying to: ..." above it, from the stored original.
        base = {**base, "reply_to": _str(answers.get("event_id")) or None}
    if kind == "m.sticker" or msgtype in MEDIA_KINDS:
        info = content.get("info")
        info = info if isinstance(info, Mapping) else {}
        size = info.get("size")
        attachment = Attachment(
            kind="sticker" if kind == "m.sticker" else MEDIA_KINDS[msgtype],
            url=media_url(homeserver, _str(content.get("url"))),
            name=_str(content.get("filename")) or body or None,
            mime_type=_str(info.get("mimetype")) or None,
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        )
        caption = body if _str(content.get("filename")) and body != content.get("filename") else ""
        return InboxMessage(**base, text=caption, attachments=(attachment,))
    if msgtype == "m.emote":
        body = f"* {base['sender_name']} {body}"
    elif msgtype not in ("m.text", "m.notice", ""):
        return InboxMessage(**base, text=body, unsupported=not body)
    return InboxMessage(**base, text=body)


def reply_content(text: str, in_reply_to: str | None) -> JSON:
    """The content of a text message, a reply when ``in_reply_to`` is given."""
    content: JSON = {"msgtype": "m.text", "body": text}
    if in_reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": in_reply_to}}
    return content
