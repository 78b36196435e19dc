"""Conversions between SQLite rows and domain objects; times are epoch milliseconds UTC."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.domain.models import (
    ActivityEvent,
    Attachment,
    Conversation,
    Identity,
    InboxMessage,
    MessageKind,
    OutboxItem,
    OutboxState,
    Platform,
    QuarantinedRecord,
    TriageState,
    TriageStatus,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

MESSAGE_COLUMNS = (
    "m.id, m.account_id, m.remote_id, m.conversation_id, m.sender_id, m.sender_name, "
    "m.created_at, m.text, m.kind, m.from_us, m.attachments, m.reaction, m.unsupported, "
    "m.edited, m.removed, m.reply_to, m.reply_to_self"
)
CONVERSATION_COLUMNS = (
    "c.account_id, c.remote_id, c.platform, c.customer_id, c.customer_name, "
    "c.customer_username, c.person_id, c.updated_at, c.snippet, c.unread_count, "
    "c.last_inbound_at, c.message_count, c.status, c.snoozed_until, c.pinned, c.muted, c.labels, "
    # One primary-key lookup per row read (a page), never a scan.
    "EXISTS (SELECT 1 FROM drafts d WHERE d.account_id = c.account_id "
    "AND d.conversation_id = c.remote_id) AS has_draft"
)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    # The same floor as ``delta // _MS``, without building a timedelta quotient (ingest
    # calls this once per message).
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def from_ms(value: int) -> datetime:
    return EPOCH + value * _MS


def opt_from_ms(value: int | None) -> datetime | None:
    return None if value is None else from_ms(value)


def name_key(name: str) -> str:
    """A display name folded for matching: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def attachments_json(attachments: tuple[Attachment, ...]) -> str:
    return json.dumps(
        [
            {k: v for k, v in vars(a).items() if v is not None}
            for a in attachments
            if isinstance(a, Attachment)
        ],
        ensure_ascii=False,
    )


def attachments_from_json(text: str) -> tuple[Attachment, ...]:
    if text == "[]":
        return ()
    try:
        items = json.loads(text)
    except ValueError:
        return ()
    result: list[Attachment] = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("kind"), str):
            result.append(
                Attachment(
                    kind=item["kind"],
                    url=item.get("url"),
                    name=item.get("name"),
                    mime_type=item.get("mime_type"),
                    size=item.get("size"),
                    ref=item.get("ref") if isinstance(item.get("ref"), str) else None,
                )
            )
    return tuple(result)


_KINDS = {kind.value: kind for kind in MessageKind}
_STATUSES = {status.value: status for status in TriageStatus}
_PLATFORMS = {platform.value: platform for platform in Platform}
_NO_TRIAGE = TriageState()

# The row builders below make thousands of frozen dataclasses per page or search. They fill
# each instance's ``__dict__`` directly: the generated ``__init__`` goes through
# ``object.__setattr__`` once per field, which cost more than the query that found the rows.
# Every field is set here, so an instance is the same as one built by its constructor
# (tests/store/test_row_builders.py compares the two).
_new = object.__new__


def message_from_values(values: Sequence[Any]) -> InboxMessage:
    """A message from a row that selected ``MESSAGE_COLUMNS`` first (a plain tuple or a
    ``sqlite3.Row``), read by position: a name lookup per field cost more than a rare
    word's whole search query."""
    (
        _id,
        account_id,
        remote_id,
        conversation_id,
        sender_id,
        sender_name,
        created_at,
        text,
        kind,
        from_us,
        attachments,
        reaction,
        unsupported,
        edited,
        removed,
        reply_to,
        reply_to_self,
    ) = values[:17]
    message = _new(InboxMessage)
    message.__dict__.update(
        account_id=account_id,
        remote_id=remote_id,
        conversation_id=conversation_id,
        sender_id=sender_id,
        created_at=EPOCH + created_at * _MS,
        text=text,
        kind=_KINDS.get(kind, MessageKind.MESSAGE),
        from_us=bool(from_us),
        sender_name=sender_name,
        attachments=() if attachments == "[]" else attachments_from_json(attachments),
        reaction=reaction,
        unsupported=bool(unsupported),
        edited=bool(edited),
        removed=bool(removed),
        reply_to=reply_to,
        reply_to_self=bool(reply_to_self),
    )
    return message


def conversation_from_values(values: Sequence[Any]) -> Conversation:
    """A conversation from a row that selected ``CONVERSATION_COLUMNS`` first (a plain
    tuple or a ``sqlite3.Row``), read by position."""
    (
        account_id,
        remote_id,
        platform,
        customer_id,
        customer_name,
        customer_username,
        person_id,
        updated_at,
        snippet,
        unread_count,
        last_inbound_at,
        message_count,
        status,
        snoozed_until,
        pinned,
        muted,
        labels_json,
        has_draft,
    ) = values[:18]
    if labels_json == "[]":
        labels: tuple[str, ...] = ()
    else:
        try:
            labels = tuple(str(x) for x in json.loads(labels_json))
        except (ValueError, TypeError):
            labels = ()
    customer = _new(Identity)
    customer.__dict__.update(
        account_id=account_id,
        platform_user_id=customer_id,
        name=customer_name,
        username=customer_username,
        person_id=person_id,
    )
    triage_status = _STATUSES.get(status) or TriageStatus(status)
    if (
        triage_status is TriageStatus.OPEN
        and snoozed_until is None
        and not pinned
        and not muted
        and not labels
    ):
        # Most conversations carry no triage at all: they share one immutable state.
        triage = _NO_TRIAGE
    else:
        triage = _new(TriageState)
        triage.__dict__.update(
            status=triage_status,
            snoozed_until=opt_from_ms(snoozed_until),
            pinned=bool(pinned),
            muted=bool(muted),
            labels=labels,
        )
    conversation = _new(Conversation)
    conversation.__dict__.update(
        account_id=account_id,
        remote_id=remote_id,
        platform=_PLATFORMS.get(platform) or Platform(platform),
        customer=customer,
        updated_at=EPOCH + updated_at * _MS,
        snippet=snippet,
        unread_count=unread_count,
        last_inbound_at=opt_from_ms(last_inbound_at),
        message_count=message_count,
        triage=triage,
        draft=bool(has_draft),
        is_owner=None,
    )
    return conversation


def outbox_from_row(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        account_id=row["account_id"],
        conversation_id=row["conversation_id"],
        recipient_id=row["recipient_id"],
        action=row["action"],
        state=OutboxState(row["state"]),
        created_at=from_ms(row["created_at"]),
        text=row["text"],
        tag=row["tag"],
        idempotency_key=row["idempotency_key"],
        attempts=row["attempts"],
        remote_id=row["remote_id"],
        error=row["error"],
    )


def activity_from_row(row: sqlite3.Row) -> ActivityEvent:
    return ActivityEvent(
        at=from_ms(row["at"]),
        kind=row["kind"],
        summary=row["summary"],
        account_id=row["account_id"],
        detail=row["detail"],
        id=row["id"],
    )


def quarantine_from_row(row: sqlite3.Row) -> QuarantinedRecord:
    return QuarantinedRecord(
        account_id=row["account_id"],
        kind=row["kind"],
        reason=row["reason"],
        payload=row["payload"],
        at=from_ms(row["at"]),
        remote_id=row["remote_id"],
    )
