"""Rows read back from a real store are the same objects the adapters handed in.

The store builds messages and conversations without their constructors (a page or a search
makes thousands of them); these tests hold that shortcut to the dataclasses' own shape.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tui.domain.models import (
    Attachment,
    Conversation,
    Identity,
    InboxMessage,
    MessageKind,
    Platform,
    TriageStatus,
)
from tui.store import InboxView, Store
from tui.store.rows import conversation_from_values, message_from_values

from .conftest import NOW, at, conv, msg

M = Platform.MESSENGER


def field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


RICH = InboxMessage(
    account_id="bakery",
    remote_id="m_rich",
    conversation_id="t_1",
    sender_id="psid_1",
    created_at=at(5),
    text="a photo of the cake",
    kind=MessageKind.STORY_REPLY,
    sender_name="Ana Silva",
    attachments=(
        Attachment(kind="image", url="https://cdn.example/a.jpg", mime_type="image/jpeg"),
        Attachment(kind="story", ref="story_9"),
    ),
    reply_to="m_plain",
    reply_to_self=True,
)


async def test_messages_read_back_equal_the_ones_stored(store: Store) -> None:
    plain = msg("m_plain", "hello", minute=1)
    reaction = dataclasses.replace(
        msg("m_love", "", minute=6), kind=MessageKind.REACTION, reaction="❤"
    )
    echo = msg("m_echo", "we open at nine", minute=7, from_us=True)
    await store.apply_batch("bakery", platform=M, messages=[plain, RICH, reaction, echo])

    page = await store.messages_page("bakery", "t_1", None, 10)

    assert page == [echo, reaction, RICH, plain]
    for message in page:
        assert set(vars(message)) == field_names(InboxMessage)
        assert hash(message) == hash(dataclasses.replace(message))


async def test_conversations_read_back_with_their_triage(store: Store) -> None:
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv("t_1", minute=1), conv("t_2", "Bruno", customer_id="p2", minute=2)],
        messages=[msg("m1", minute=1), msg("m2", conv="t_2", sender="p2", name="Bruno", minute=2)],
    )
    await store.set_flag("bakery", "t_2", pinned=True)
    await store.set_labels("bakery", "t_2", ["vip", "wholesale"])
    await store.set_status("bakery", "t_2", TriageStatus.SNOOZED, NOW + timedelta(hours=3))

    rows = [
        *await store.conversations_page(InboxView("all"), 0, 10, NOW),
        *await store.conversations_page(InboxView("snoozed"), 0, 10, NOW),
    ]

    by_id = {c.remote_id: c for c in rows}
    plain, triaged = by_id["t_1"], by_id["t_2"]
    assert plain.triage.status is TriageStatus.OPEN
    assert not plain.triage.pinned and plain.triage.labels == ()
    assert triaged.triage.status is TriageStatus.SNOOZED
    assert triaged.triage.pinned
    assert triaged.triage.labels == ("vip", "wholesale")
    assert triaged.triage.snoozed_until == NOW + timedelta(hours=3)
    assert triaged.customer == Identity(account_id="bakery", platform_user_id="p2", name="Bruno")
    for conversation in rows:
        assert set(vars(conversation)) == field_names(Conversation)
        assert set(vars(conversation.customer)) == field_names(Identity)
        assert conversation.platform is Platform.MESSENGER
        assert conversation.is_owner is None


def test_a_row_builds_the_same_message_as_the_constructor() -> None:
    row = (
        1,
        "bakery",
        "m_1",
        "t_1",
        "psid_1",
        "Ana",
        1_700_000_000_123,
        "hi",
        "echo",
        1,
        '[{"kind": "file", "name": "menu.pdf", "size": 12}]',
        None,
        0,
        1,
        0,
        None,
        0,
    )
    built = message_from_values(row)
    assert built == InboxMessage(
        account_id="bakery",
        remote_id="m_1",
        conversation_id="t_1",
        sender_id="psid_1",
        created_at=built.created_at,
        text="hi",
        kind=MessageKind.ECHO,
        from_us=True,
        sender_name="Ana",
        attachments=(Attachment(kind="file", name="menu.pdf", size=12),),
        edited=True,
    )
    assert built.created_at.timestamp() == 1_700_000_000.123


def test_an_unknown_kind_reads_as_a_plain_message() -> None:
    row = (1, "a", "m", "t", "s", "", 0, "x", "poll", 0, "[]", None, 0, 0, 0, None, 0)
    assert message_from_values(row).kind is MessageKind.MESSAGE


def test_labels_that_are_not_a_list_of_names_read_as_none() -> None:
    row = (
        *("bakery", "t_1", "messenger", "psid_1", "Ana", "", None, 0, "", 0, None, 0),
        *("open", None, 0, 0, "{not json", 0),
    )
    assert conversation_from_values(row).triage.labels == ()


def test_a_conversation_of_an_unknown_platform_is_refused() -> None:
    row = (
        *("bakery", "t_1", "telegram", "psid_1", "Ana", "", None, 0, "", 0, None, 0),
        *("open", None, 0, 0, "[]", 0),
    )
    try:
        conversation_from_values(row)
    except ValueError:
        return
    raise AssertionError("a platform the app does not know must not pass as one it does")
