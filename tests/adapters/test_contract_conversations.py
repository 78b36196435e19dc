"""Contract: the Conversations API examples of Meta's pages, replayed through the adapters.

Pages (mirrored in nermalcat69/meta-business-api, ``facebook-dev-docs/markdown/``):
- ``documentation/business-messaging/messenger-platform/webview.md`` ("Conversations API
  for Messenger Platform"): a message with ``reply_to`` (``mid``, ``is_self_reply``) and
  the ``is_owner`` listing of "Conversation Ownership Filtering".
- ``documentation/business-messaging/messenger-platform/send-messages/templates.md``
  ("Utility Message With Header or Buttons in Conversation API"): a ``generic_template``
  message with an empty ``message``.
"""

from __future__ import annotations

from typing import Any

from tests.adapters.replay import IG_PAGE, MESSENGER, replay

# "Get Information about a Message": verbatim but for the ids and the time, which the
# page leaves as placeholders ("INSTAGRAM-SCOPED-ID", "zEspJ9wmRG9…").
REPLY_MESSAGE: dict[str, Any] = {
    "id": "aWdGGiblWZ...",
    "created_time": "2022-07-12T19:11:07+0000",
    "to": {"data": [{"username": "INSTAGRAM-PROFESSIONAL-ACCOUNT-USERNAME", "id": "IG-ID"}]},
    "from": {"username": "INSTAGRAM-USERNAME", "id": "1789000000000001"},
    "message": "Hi Kitty!",
    "reply_to": {"mid": "zEspJ9wmRG9…", "is_self_reply": True},
}
# "Utility Message With Header or Buttons in Conversation API", the message verbatim
# (the page's example omits ``from`` and ``created_time``, which every real read carries).
TEMPLATE_MESSAGE: dict[str, Any] = {
    "attachments": {
        "data": [
            {
                "generic_template": {
                    "title": "Order is being shipped",
                    "subtitle": "Good news! Your order #123123123 is now shipped. "
                    "The tracking number is #track123",
                }
            }
        ]
    },
    "message": "",
    "id": "m_qvfnMpHYUNzLf__jekbCjdAcspcsz2P9LWJH6flWihCIJ-wkOtKKkRzUDwl0nKO"
    "-is6mGR_WeP0caoCVKTWfLw",
    "created_time": "2026-11-25T11:00:00+0000",
    "from": {"name": "Acme Shop", "id": "7000000000000009"},
}


def conversation_with(message: dict[str, Any]) -> dict[str, Any]:
    return {"id": "t_contract", "messages": {"data": [message]}}


async def test_a_quoted_reply_keeps_the_quoted_message_id() -> None:
    async with replay() as r:
        adapter = r.adapter(IG_PAGE)
        r.answer("/t_contract", conversation_with(REPLY_MESSAGE))
        [message] = await adapter.new_messages("t_contract", None)
    assert message.text == "Hi Kitty!"
    assert message.reply_to == "zEspJ9wmRG9…"
    assert message.reply_to_self is True


async def test_reply_to_is_requested_on_every_message_read() -> None:
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        changes = await adapter.changed_conversations(None)
        await adapter.new_messages(changes[0].conversation.remote_id, None)
        fields = [dict(e.query).get("fields", "") for e in r.sim.requests]
    reads = [f for f in fields if "created_time,from" in f]
    assert reads and all("reply_to" in f for f in reads)


async def test_a_generic_template_shows_its_title_and_subtitle() -> None:
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        r.answer("/t_contract", conversation_with(TEMPLATE_MESSAGE))
        [message] = await adapter.new_messages("t_contract", None)
    assert message.text.splitlines() == [
        "Order is being shipped",
        "Good news! Your order #123123123 is now shipped. The tracking number is #track123",
    ]
    assert [a.kind for a in message.attachments] == ["template"]


async def test_is_owner_is_kept_per_conversation() -> None:
    # "Conversation Ownership Filtering" sample response, with participants and real times
    # added so the listing maps (the page elides them).
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        page_id = adapter.account.page_id
        people = {"data": [{"id": "7000000000000001", "name": "Jane"}, {"id": page_id}]}
        listing = {
            "data": [
                {
                    "messages": {
                        "data": [{"id": "Message ID-1", "created_time": "2026-11-25T11:00:00+0000"}]
                    },
                    "is_owner": True,
                    "id": "Conversation ID-1",
                    "updated_time": "2026-11-25T11:00:00+0000",
                    "participants": people,
                },
                {
                    "messages": {
                        "data": [{"id": "Message ID-3", "created_time": "2026-11-25T10:00:00+0000"}]
                    },
                    "is_owner": False,
                    "id": "Conversation ID-2",
                    "updated_time": "2026-11-25T10:00:00+0000",
                    "participants": people,
                },
            ]
        }
        r.answer(f"/{page_id}/conversations", listing)
        changes = await adapter.changed_conversations(None)
    assert [(c.conversation.remote_id, c.conversation.is_owner) for c in changes] == [
        ("Conversation ID-1", True),
        ("Conversation ID-2", False),
    ]
