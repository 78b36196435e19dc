"""The Instagram adapter: both APIs, the 20-most-recent detail rule, story and reactions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.adapters.graphfake import (
    IG_ID,
    NOW,
    PAGE_ID,
    FakeGraph,
    graph_error,
    ig_login_account,
    ig_page_account,
    make_client,
)
from tui.adapters.errors import InvalidRequest, WindowClosed
from tui.adapters.instagram import InstagramAdapter
from tui.domain import MessageKind, Platform

KAI = "1602510301006188"
IG_HOST = "https://graph.instagram.com"


def gtime(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%S+0000")


def msg(mid: str, minutes: int, sender: str, text: str = "", **extra: Any) -> Any:
    body: dict[str, Any] = {
        "id": mid,
        "created_time": gtime(timedelta(minutes=minutes)),
        "from": {"id": sender, "username": "kai" if sender == KAI else "bakery"},
        "to": {"data": [{"id": IG_ID if sender == KAI else KAI}]},
    }
    if text:
        body["message"] = text
    body.update(extra)
    return body


def bare(mid: str, minutes: int) -> Any:
    """A message listed beyond the 20 most recent: id and time only, no details."""
    return {"id": mid, "created_time": gtime(timedelta(minutes=minutes))}


def page_adapter(fake: FakeGraph) -> InstagramAdapter:
    return InstagramAdapter(ig_page_account(), make_client(fake))


def login_adapter(fake: FakeGraph) -> InstagramAdapter:
    return InstagramAdapter(ig_login_account(), make_client(fake, IG_HOST))


def ig_conv(cid: str, minutes: int) -> Any:
    return {
        "id": cid,
        "updated_time": gtime(timedelta(minutes=minutes)),
        "participants": {
            "data": [{"username": "bakery", "id": IG_ID}, {"username": "kai", "id": KAI}]
        },
    }


async def test_via_page_lists_instagram_threads_on_the_page() -> None:
    fake = FakeGraph({("GET", f"{PAGE_ID}/conversations"): {"data": [ig_conv("aWdfZAG06a", 3)]}})
    changes = await page_adapter(fake).changed_conversations(None)
    assert fake.requests[0].url.host == "graph.facebook.com"
    params = fake.requests[0].url.params
    assert params["platform"] == "instagram"
    # unread_count errors on Instagram: never asked for.
    assert "unread_count" not in params["fields"] and "snippet" not in params["fields"]
    conversation = changes[0].conversation
    assert conversation.platform is Platform.INSTAGRAM
    assert conversation.customer.platform_user_id == KAI
    assert conversation.customer.display_name == "@kai"


async def test_instagram_login_uses_its_own_host_and_paths() -> None:
    fake = FakeGraph(
        {
            ("GET", "me/conversations"): {"data": [ig_conv("aWdfZAG06a", 3)]},
            ("POST", f"{IG_ID}/messages"): {"recipient_id": KAI, "message_id": "aWdfZAG1f"},
        }
    )
    subject = login_adapter(fake)
    changes = await subject.changed_conversations(None)
    assert len(changes) == 1
    sent = await subject.send_text(KAI, "Hi")
    assert sent.message_id == "aWdfZAG1f"
    assert [str(r.url).split("?")[0] for r in fake.requests] == [
        f"{IG_HOST}/v25.0/me/conversations",
        f"{IG_HOST}/v25.0/{IG_ID}/messages",
    ]
    assert fake.body() == {"recipient": {"id": KAI}, "message": {"text": "Hi"}}
    await subject.send_text(KAI, "Sorry for the wait", human_agent=True)
    assert fake.body() == {
        "recipient": {"id": KAI},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the wait"},
    }


async def test_new_messages_asks_for_the_20_most_recent_and_keeps_bare_ones() -> None:
    data = [msg(f"m{i}", i, KAI, f"text {i}") for i in range(19)]
    data.append(bare("m_old", 100))
    fake = FakeGraph({("GET", "aWdfZAG06a"): {"id": "aWdfZAG06a", "messages": {"data": data}}})
    found = await page_adapter(fake).new_messages("aWdfZAG06a", None)
    assert "messages.limit(20){" in fake.requests[0].url.params["fields"]
    assert len(fake.requests) == 1
    assert len(found) == 20
    old = found[-1]
    assert (old.remote_id, old.unsupported, old.text, old.sender_id) == ("m_old", True, "", "")


async def test_backfill_beyond_20_stores_placeholders_after_one_failed_detail() -> None:
    data = [msg("m18", 18, KAI, "recent"), msg("m19", 19, IG_ID, "ours")]
    data += [bare(f"m{i}", i) for i in range(20, 25)]
    fake = FakeGraph(
        {
            ("GET", "aWdfZAG06a/messages"): {"data": data},
            ("GET", "m20"): graph_error(
                100, message="This message has been deleted (older than 20)"
            ),
        }
    )
    subject = page_adapter(fake)
    found, cursor = await subject.backfill(
        "aWdfZAG06a", older_than=None, not_before=None, page_cursor=None
    )
    assert cursor is None
    assert [m.remote_id for m in found] == [f"m{i}" for i in range(18, 25)]
    assert [m.unsupported for m in found] == [False, False, True, True, True, True, True]
    assert found[1].from_us and found[1].kind is MessageKind.ECHO
    detail_requests = [r for r in fake.requests if r.url.path.endswith("/m20")]
    assert len(detail_requests) == 1
    assert len(fake.requests) == 2
    assert subject.take_problems() == []


async def test_backfill_uses_details_when_the_platform_gives_them() -> None:
    fake = FakeGraph(
        {
            ("GET", "c/messages"): {"data": [bare("m30", 30)]},
            ("GET", "m30"): msg("m30", 30, KAI, "still here"),
        }
    )
    found, _ = await page_adapter(fake).backfill(
        "c", older_than=None, not_before=None, page_cursor=None
    )
    assert [(m.text, m.unsupported) for m in found] == [("still here", False)]


async def test_story_replies_mentions_reactions_and_unsupported() -> None:
    story = {"reply_to": {"link": "https://lookaside.test/story1", "id": "179001"}}
    mention = {"mention": {"link": "https://lookaside.test/story2", "id": "179002"}}
    reactions = {"data": [{"reaction": "❤️", "users": [{"id": KAI, "username": "kai"}]}]}
    data = [
        msg("m1", 1, KAI, "😍😍", story=story),
        msg("m2", 2, KAI, story=mention),
        msg("m3", 3, IG_ID, "Thanks for ordering", reactions=reactions),
        msg("m4", 4, KAI, is_unsupported=True),
        msg(
            "m5", 5, KAI, "look", shares={"data": [{"link": "https://ig.test/p/1", "name": "post"}]}
        ),
    ]
    fake = FakeGraph({("GET", "c"): {"messages": {"data": data}}})
    found = await page_adapter(fake).new_messages("c", None)
    by_id = {m.remote_id: m for m in found}
    assert by_id["m1"].kind is MessageKind.STORY_REPLY
    assert by_id["m1"].attachments[0].kind == "story"
    assert by_id["m1"].attachments[0].url == "https://lookaside.test/story1"
    assert by_id["m2"].kind is MessageKind.STORY_MENTION
    assert by_id["m3"].kind is MessageKind.ECHO and by_id["m3"].reaction is None
    reaction = by_id[f"m3:reaction:{KAI}"]
    assert (reaction.kind, reaction.reaction, reaction.sender_id) == (
        MessageKind.REACTION,
        "❤️",
        KAI,
    )
    assert not reaction.from_us
    assert by_id["m4"].unsupported and by_id["m4"].text == ""
    assert by_id["m5"].attachments[0].kind == "share"


async def test_instagram_text_limit_is_1000_utf8_bytes() -> None:
    fake = FakeGraph(
        {("POST", f"{PAGE_ID}/messages"): {"recipient_id": KAI, "message_id": "aWdf1"}}
    )
    subject = page_adapter(fake)
    with pytest.raises(InvalidRequest):
        await subject.send_text(KAI, "€" * 334)  # 1002 bytes, 334 characters
    assert fake.requests == []
    await subject.send_text(KAI, "€" * 333)  # 999 bytes
    assert fake.body()["messaging_type"] == "RESPONSE"


async def test_instagram_window_error_403() -> None:
    fake = FakeGraph(
        {
            ("POST", f"{IG_ID}/messages"): graph_error(10, 2534022, status=403),
            ("GET", "me/conversations"): {
                "data": [{"id": "c", "messages": {"data": [msg("m1", 60 * 30, KAI, "hi")]}}]
            },
        }
    )
    with pytest.raises(WindowClosed) as caught:
        await login_adapter(fake).send_text(KAI, "hello")
    assert caught.value.human_agent_possible


async def test_refresh_token_instagram_login_only() -> None:
    fake = FakeGraph(
        {
            ("GET", "refresh_access_token"): {
                "access_token": "IGAAnew",
                "token_type": "bearer",
                "expires_in": 5183944,
            }
        }
    )
    token, expires = await login_adapter(fake).refresh_token() or ("", None)
    assert token == "IGAAnew"
    assert expires == NOW + timedelta(seconds=5183944)
    request = fake.requests[0]
    # Meta's Instagram Login page puts the token in the query for this one endpoint
    # (reference §0 item 7); the refresh must send it there, with the grant type.
    assert request.url.path.endswith("/refresh_access_token")
    assert request.url.params["grant_type"] == "ig_refresh_token"
    assert request.url.params["access_token"] == "EAAsecret-token"
    assert await page_adapter(FakeGraph()).refresh_token() is None


async def test_verify_instagram_login_probes_the_messaging_permission() -> None:
    fake = FakeGraph(
        {
            ("GET", "me"): {"user_id": IG_ID, "username": "lepetitfour", "id": "app-scoped"},
            ("GET", "me/conversations"): graph_error(10, message="(#10) Permission denied"),
        }
    )
    result = await login_adapter(fake).verify()
    assert result.token_valid
    assert (result.account_name, result.owner_id) == ("lepetitfour", IG_ID)
    assert result.granted == {"instagram_business_basic"}
    assert result.missing == {
        "instagram_business_manage_messages": "cannot read or answer messages"
    }
    fake.routes[("GET", "me/conversations")] = {"data": []}
    result = await login_adapter(fake).verify()
    assert result.missing == {} and result.error is None


async def test_verify_via_page_finds_the_linked_instagram_account() -> None:
    granted = ["instagram_basic", "instagram_manage_messages", "pages_manage_metadata"]

    def page_node(request: httpx.Request) -> httpx.Response:
        assert "instagram_business_account" in request.url.params["fields"]
        linked = {"id": IG_ID, "username": "lepetitfour.bakery"}
        return httpx.Response(200, json={"id": PAGE_ID, "instagram_business_account": linked})

    fake = FakeGraph(
        {
            ("GET", "me"): {"id": PAGE_ID, "name": "Le Petit Four"},
            ("GET", PAGE_ID): page_node,
            ("GET", "me/permissions"): {
                "data": [{"permission": p, "status": "granted"} for p in granted]
            },
        }
    )
    result = await page_adapter(fake).verify()
    assert (result.account_name, result.owner_id, result.error) == (
        "lepetitfour.bakery",
        IG_ID,
        None,
    )
    assert result.required == set(granted)


async def test_verify_via_page_without_instagram_basic_reports_instead_of_raising() -> None:
    fake = FakeGraph(
        {
            ("GET", "me"): {"id": PAGE_ID, "name": "Le Petit Four"},
            ("GET", PAGE_ID): graph_error(10, message="(#10) Application does not have permission"),
            ("GET", "me/permissions"): {
                "data": [
                    {"permission": "instagram_manage_messages", "status": "granted"},
                    {"permission": "pages_manage_metadata", "status": "granted"},
                    {"permission": "instagram_basic", "status": "declined"},
                ]
            },
        }
    )
    result = await page_adapter(fake).verify()
    assert result.token_valid
    assert result.missing == {"instagram_basic": "cannot reach the Instagram account"}
    assert result.error is not None and "permission missing" in result.error
