"""Checks a record must pass before SQL sees it; failures go to quarantine, not to the caller."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from typing import Any

from tui.domain.models import Attachment, Conversation, Identity, InboxMessage, MessageKind
from tui.domain.safetext import marker_for

MAX_TEXT_BYTES = 2 * 1024 * 1024
"""Largest message body the store keeps (UTF-8 bytes)."""

MAX_PAYLOAD_CHARS = 4096
"""How much of a quarantined record is kept for the user to inspect."""

KINDS = frozenset(kind.value for kind in MessageKind)
"""The values of MessageKind: the kinds a stored message may have."""
_KINDS = KINDS


def _check_str(name: str, value: object, *, required: bool = False) -> str | None:
    if not isinstance(value, str):
        return f"{name} is {type(value).__name__}, not str"
    if required and not value:
        return f"{name} is empty"
    if "\x00" in value:
        return f"{name} contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{name} contains a lone surrogate"
    return None


def _check_time(name: str, value: object) -> str | None:
    if not isinstance(value, datetime):
        return f"{name} is {type(value).__name__}, not datetime"
    return None


def _plain_message(message: InboxMessage, account_id: str) -> bool:
    """Fast path for the usual record: ASCII-or-clean strings, a datetime, no attachments."""
    try:
        joined = message.remote_id + message.conversation_id + message.sender_id
        joined += message.sender_name + message.text
    except TypeError:
        return False
    return (
        message.account_id == account_id
        and bool(message.remote_id)
        and bool(message.conversation_id)
        and "\x00" not in joined
        and joined.isascii()
        and len(message.text) <= MAX_TEXT_BYTES
        and type(message.created_at) is datetime
        and isinstance(message.kind, str)
        and message.kind in _KINDS
        and message.reaction is None
        and message.reply_to is None
        and not message.attachments
    )


def needs_no_repair(message: object, account_id: str) -> bool:
    """The usual record: nothing for ``repair_message`` to fix, nothing for
    ``message_problem`` to refuse (checked once instead of field by field twice)."""
    return (
        type(message) is InboxMessage
        and _plain_message(message, account_id)
        and len(message.text) <= MAX_TEXT_BYTES - 200
    )


def message_problem(message: object, account_id: str) -> str | None:
    """Why ``message`` cannot be stored, or ``None`` when it can."""
    if not isinstance(message, InboxMessage):
        return f"record is {type(message).__name__}, not InboxMessage"
    if _plain_message(message, account_id):
        return None
    if message.account_id != account_id:
        return "account_id does not match the batch"
    for name in ("remote_id", "conversation_id"):
        if problem := _check_str(name, getattr(message, name), required=True):
            return problem
    for name in ("sender_id", "sender_name"):
        if problem := _check_str(name, getattr(message, name)):
            return problem
    if problem := _check_time("created_at", message.created_at):
        return problem
    if problem := _check_str("text", message.text):
        return problem
    if len(message.text) * 4 > MAX_TEXT_BYTES and len(message.text.encode()) > MAX_TEXT_BYTES:
        return f"text is larger than {MAX_TEXT_BYTES} bytes"
    if not isinstance(message.kind, str) or message.kind not in _KINDS:
        return f"kind {message.kind!r} is unknown"
    if message.reaction is not None and (problem := _check_str("reaction", message.reaction)):
        return problem
    if message.reply_to is not None and (problem := _check_str("reply_to", message.reply_to)):
        return problem
    if not isinstance(message.attachments, tuple | list):
        return "attachments is not a sequence"
    for attachment in message.attachments:
        if not isinstance(attachment, Attachment):
            return "attachment is not an Attachment"
        for value in vars(attachment).values():
            if isinstance(value, str) and (problem := _check_str("attachment", value)):
                return problem
    return None


def conversation_problem(conversation: object, account_id: str) -> str | None:
    """Why ``conversation`` cannot be stored, or ``None`` when it can."""
    if not isinstance(conversation, Conversation):
        return f"record is {type(conversation).__name__}, not Conversation"
    if conversation.account_id != account_id:
        return "account_id does not match the batch"
    if problem := _check_str("remote_id", conversation.remote_id, required=True):
        return problem
    if problem := _check_time("updated_at", conversation.updated_at):
        return problem
    if problem := _check_str("snippet", conversation.snippet):
        return problem
    customer = conversation.customer
    if not isinstance(customer, Identity):
        return "customer is not an Identity"
    for name in ("platform_user_id", "name", "username"):
        if problem := _check_str(f"customer.{name}", getattr(customer, name)):
            return problem
    return None


def payload_of(record: object, *, keep_text: bool) -> str:
    """A bounded, printable description of a rejected record (``repr`` escapes surrogates)."""
    if is_dataclass(record) and not isinstance(record, type):
        parts: list[str] = []
        for f in fields(record):
            value: Any = getattr(record, f.name)
            if f.name in ("text", "snippet") and not keep_text:
                value = f"<{len(value) if isinstance(value, str) else '?'} chars withheld>"
            elif isinstance(value, str) and len(value) > 256:
                value = value[:256] + f"... ({len(value)} chars)"
            parts.append(f"{f.name}={value!r}")
        text = f"{type(record).__name__}({', '.join(parts)})"
    else:
        text = repr(record)
    if len(text) > MAX_PAYLOAD_CHARS:
        text = text[:MAX_PAYLOAD_CHARS] + "..."
    return text


def safe_id(record: object) -> str | None:
    """The record's remote id when it is a storable string, else ``None``."""
    value = getattr(record, "remote_id", None)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return value.replace("\x00", "")
    return None


def not_plain_str(value: object) -> bool:
    """True when ``value`` is not a string SQLite can store."""
    if not isinstance(value, str) or "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# -- repair: store what can be stored safely, with visible markers --------------------------

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
OVERFLOW_KIND = "message-overflow"
"""Quarantine kind of the part of an oversize body cut off before storing."""


def _mark(match: re.Match[str]) -> str:
    return marker_for(match.group())


def repaired_str(value: object) -> tuple[object, bool]:
    """``value`` with NULs and lone surrogates shown as markers (``⟨NUL⟩``, ``⟨U+D800⟩``)."""
    if not isinstance(value, str) or (value.isascii() and "\x00" not in value):
        return value, False
    fixed = _UNSTORABLE.sub(_mark, value)
    return fixed, fixed != value


def cut_to_bytes(text: str, limit: int) -> tuple[str, str]:
    """``text`` split where its UTF-8 form reaches ``limit`` bytes: (kept, rest)."""
    kept = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
    return kept, text[len(kept) :]


def overflow_marker(rest: str) -> str:
    return f"…⟨+{len(rest)} chars set aside: linkdeck export --quarantine⟩"


def repair_message(message: InboxMessage) -> tuple[InboxMessage, list[str], str]:
    """The message with its text fields made storable, what was changed, and any overflow.

    Ids are left alone: an id with a NUL is not a message the platform sent, and goes
    to the quarantine as before.
    """
    if not isinstance(message, InboxMessage):
        return message, [], ""
    changes: dict[str, Any] = {}
    notes: list[str] = []
    for name in ("sender_name", "text", "reaction"):
        fixed, changed = repaired_str(getattr(message, name))
        if changed:
            changes[name] = fixed
            notes.append(f"{name}: NUL or lone surrogate shown as a marker")
    if isinstance(message.attachments, tuple | list) and message.attachments:
        attachments = []
        for attachment in message.attachments:
            if isinstance(attachment, Attachment):
                fixes: dict[str, Any] = {}
                for f in fields(attachment):
                    fixed, changed = repaired_str(getattr(attachment, f.name))
                    if changed:
                        fixes[f.name] = fixed
                if fixes:
                    notes.append("attachment: NUL or lone surrogate shown as a marker")
                    attachment = replace(attachment, **fixes)
            attachments.append(attachment)
        changes["attachments"] = tuple(attachments)
    rest = ""
    text = changes.get("text", message.text)
    if isinstance(text, str) and len(text) * 4 > MAX_TEXT_BYTES:
        limit = MAX_TEXT_BYTES - 200  # room for the marker
        kept, rest = cut_to_bytes(text, limit)
        if rest:
            changes["text"] = kept + overflow_marker(rest)
            notes.append(f"text: longer than {MAX_TEXT_BYTES} bytes, stored cut")
    return (replace(message, **changes) if changes else message), notes, rest


def repair_conversation(conversation: Conversation) -> tuple[Conversation, list[str]]:
    """The conversation with its snippet and customer's names made storable."""
    if not isinstance(conversation, Conversation):
        return conversation, []
    notes: list[str] = []
    snippet: Any
    snippet, changed = repaired_str(conversation.snippet)
    if changed:
        notes.append("snippet: NUL or lone surrogate shown as a marker")
    customer = conversation.customer
    if isinstance(customer, Identity):
        fixes: dict[str, Any] = {}
        for name in ("name", "username"):
            fixed, bad = repaired_str(getattr(customer, name))
            if bad:
                fixes[name] = fixed
                notes.append(f"customer.{name}: NUL or lone surrogate shown as a marker")
        if fixes:
            customer = replace(customer, **fixes)
    if not notes:
        return conversation, []
    return replace(conversation, snippet=snippet, customer=customer), notes
