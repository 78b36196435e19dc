"""Message shapes from Meta's pages that the mapping once dropped (issue 17 items 1-3)."""

from __future__ import annotations

from typing import Any

from tui.adapters.mapping import message_from_json
from tui.domain import MessageKind
from tui.store.rows import attachments_from_json, attachments_json

OWNER = "17841400000000001"


def mapped(raw: dict[str, Any]) -> Any:
    base = {"id": "aWdf1", "created_time": "2026-11-25T11:00:00+0000", "from": {"id": "178"}}
    return message_from_json(
        {**base, **raw}, account_id="ig", conversation_id="c1", owner_ids={OWNER}
    )


def test_a_story_mention_keeps_the_story_id_through_the_store() -> None:
    # Conversations API, "story": {"mention": {"link", "id"}} (reference §3.3).
    message = mapped({"story": {"mention": {"link": "https://cdn.test/s.mp4", "id": "17900"}}})
    assert message.kind is MessageKind.STORY_MENTION
    [story] = message.attachments
    assert (story.kind, story.url, story.ref) == ("story", "https://cdn.test/s.mp4", "17900")
    assert attachments_from_json(attachments_json(message.attachments)) == (story,)


def test_a_template_with_buttons_shows_its_words_and_buttons() -> None:
    # The generic template as the Send API and webhooks carry it (templates.md).
    payload = {
        "template_type": "generic",
        "elements": [
            {
                "title": "Rain jacket",
                "subtitle": "Waterproof, two colours",
                "buttons": [
                    {"type": "web_url", "url": "https://shop.test/j", "title": "View"},
                    {"type": "postback", "payload": "BUY", "title": "Buy now"},
                ],
            }
        ],
    }
    message = mapped({"message": "", "attachments": {"data": [{"payload": payload}]}})
    assert message.text.splitlines() == [
        "Rain jacket",
        "Waterproof, two colours",
        "[View] [Buy now]",
    ]


def test_a_template_with_a_call_to_action_shows_it() -> None:
    template = {
        "title": "Order shipped",
        "cta": {"title": "Track", "type": "web_url", "url": "https://t.test"},
    }
    message = mapped({"message": "", "attachments": {"data": [{"generic_template": template}]}})
    assert message.text.splitlines() == ["Order shipped", "[Track]"]
    assert message.attachments[0].url == "https://t.test"


def test_a_message_with_its_own_text_keeps_it() -> None:
    template = {"title": "Order shipped"}
    message = mapped(
        {"message": "see below", "attachments": {"data": [{"generic_template": template}]}}
    )
    assert message.text == "see below"
