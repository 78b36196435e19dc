"""The Messenger adapter against canned Graph JSON (the reference's literal shapes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.adapters.graphfake import (
    NOW,
    PAGE_ID,
    FakeGraph,
    graph_error,
    make_client,
    messenger_account,
)
from tui.adapters import make_adapter
from tui.adapters.errors import (
    InvalidRequest,
    PermissionMissing,
    RecipientUnavailable,
    WindowClosed,
)
from tui.adapters.messenger import MessengerAdapter
from tui.domain import Account, InstagramApi, MessageKind, Platform

JANE = "7000000000000001"


def gtime(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%S+0000")


def conv(cid: str, age_minutes: int, customer: str = JANE, name: str = "Jane Doe") -> Any:
    return {
        "id": cid,
        "updated_time": gtime(timedelta(minutes=age_minutes)),
        "snippet": "Is it still available?",
        "unread_count": 1,
        "participants": {
            "data": [
                {"name": name, "email": f"{customer}@facebook.com", "id": customer},
                {"name": "Acme Shop", "email": f"{PAGE_ID}@facebook.com", "id": PAGE_ID},
            ]
        },
    }


def listing(items: list[Any], after: str | None = None) -> Any:
    body: dict[str, Any] = {"data": items}
    if after:
        body["paging"] = {
            "cursors": {"before": "QVFIb", "after": after},
            "next": f"https://graph.facebook.com/v25.0/{PAGE_ID}/conversations?after={after}",
        }
    return body


def msg(mid: str, age: timedelta, sender: str, text: str = "", **extra: Any) -> Any:
    body = {"id": mid, "created_time": gtime(age), "from": {"id": sender, "name": "X"}}
    if text:
        body["message"] = text
    body.update(extra)
    return body


def adapter(fake: FakeGraph) -> MessengerAdapter:
    return MessengerAdapter(messenger_account(), make_client(fake))


CONVS = f"{PAGE_ID}/conversations"


async def test_idle_poll_costs_one_request() -> None:
    fake = FakeGraph({("GET", CONVS): listing([conv("t_1", 5), conv("t_2", 50)], after="c1")})
    changes = await adapter(fake).changed_conversations(
        NOW - timedelta(minutes=5) + timedelta(seconds=1)
    )
    assert changes == []
    assert len(fake.requests) == 1
    params = fake.requests[0].url.params
    assert params["platform"] == "messenger"
    assert "participants" in params["fields"]


async def test_changed_conversations_page_until_since_newest_first() -> None:
    fake = FakeGraph(
        {
            ("GET", CONVS): [
                listing([conv("t_1", 1), conv("t_2", 2)], after="c1"),
                listing([conv("t_2", 2), conv("t_3", 3), conv("t_4", 40)], after="c2"),
                listing([conv("t_9", 90)]),
            ]
        }
    )
    changes = await adapter(fake).changed_conversations(NOW - timedelta(minutes=30))
    assert [c.conversation.remote_id for c in changes] == ["t_1", "t_2", "t_3"]
    assert len(fake.requests) == 2
    first = changes[0].conversation
    assert first.customer.platform_user_id == JANE
    assert first.customer.name == "Jane Doe"
    assert first.platform is Platform.MESSENGER
    assert first.unread_count == 1
    assert changes[0].updated_at == NOW - timedelta(minutes=1)


async def test_first_sync_reads_everything_up_to_max_pages() -> None:
    pages = [listing([conv(f"t_{i}", i)], after=f"c{i}") for i in range(10)]
    fake = FakeGraph({("GET", CONVS): pages})
    changes = await adapter(fake).changed_conversations(None, max_pages=4)
    assert len(changes) == 4
    assert len(fake.requests) == 4


async def test_malformed_conversation_is_skipped_and_reported() -> None:
    bad_time = conv("t_bad", 1) | {"updated_time": 1764072000}
    no_customer = conv("t_alone", 2) | {"participants": {"data": [{"id": PAGE_ID}]}}
    wrong_type = conv("t_wrong", 3) | {"participants": "everyone"}
    fake = FakeGraph(
        {("GET", CONVS): listing([bad_time, no_customer, wrong_type, conv("t_ok", 4)])}
    )
    subject = adapter(fake)
    changes = await subject.changed_conversations(None)
    assert [c.conversation.remote_id for c in changes] == ["t_ok"]
    problems = subject.take_problems()
    assert [p.remote_id for p in problems] == ["t_bad", "t_alone", "t_wrong"]
    assert all(p.kind == "conversation" and p.account_id == "bakery" for p in problems)
    assert "1764072000" in problems[0].payload
    assert subject.take_problems() == []


async def test_new_messages_maps_senders_kinds_and_attachments() -> None:
    image = {
        "id": "att1",
        "mime_type": "image/jpeg",
        "name": "cake.jpg",
        "size": 52000,
        "image_data": {"width": 10, "height": 10, "url": "https://cdn.test/cake.jpg"},
    }
    pdf = {
        "id": "att2",
        "mime_type": "application/pdf",
        "name": "order.pdf",
        "size": 2000,
        "file_url": "https://cdn.test/order.pdf",
    }
    body = {
        "id": "t_1",
        "messages": {
            "data": [
                msg("m_4", timedelta(minutes=1), JANE, "Thanks!"),
                msg("m_3", timedelta(minutes=2), PAGE_ID, "Your order is ready"),
                msg("m_2", timedelta(minutes=3), JANE, attachments={"data": [image, pdf]}),
                msg("m_1", timedelta(hours=5), JANE, "old"),
            ]
        },
    }
    fake = FakeGraph({("GET", "t_1"): body})
    found = await adapter(fake).new_messages("t_1", NOW - timedelta(minutes=10))
    assert len(fake.requests) == 1
    assert "messages.limit(25){" in fake.requests[0].url.params["fields"]
    assert [m.remote_id for m in found] == ["m_4", "m_3", "m_2"]
    assert found[0].kind is MessageKind.MESSAGE and not found[0].from_us
    assert found[0].text == "Thanks!"
    assert found[1].from_us and found[1].kind is MessageKind.ECHO
    kinds = [(a.kind, a.url, a.name, a.mime_type, a.size) for a in found[2].attachments]
    assert kinds == [
        ("image", "https://cdn.test/cake.jpg", "cake.jpg", "image/jpeg", 52000),
        ("file", "https://cdn.test/order.pdf", "order.pdf", "application/pdf", 2000),
    ]
    assert found[2].created_at == NOW - timedelta(minutes=3)
    assert found[2].created_at.utcoffset() == timedelta(0)


async def test_malformed_message_is_skipped_and_reported() -> None:
    body = {
        "messages": {
            "data": [
                msg("m_ok", timedelta(minutes=1), JANE, "fine"),
                {"id": "m_nofrom", "created_time": gtime(timedelta(minutes=2))},
                msg("m_text", timedelta(minutes=3), JANE) | {"message": {"rich": True}},
                msg("m_time", timedelta(minutes=4), JANE, "x") | {"created_time": "yesterday"},
                msg("m_att", timedelta(minutes=5), JANE, "x") | {"attachments": [1, 2]},
                "not even an object",
            ]
        }
    }
    fake = FakeGraph({("GET", "t_1"): body})
    subject = adapter(fake)
    found = await subject.new_messages("t_1", None)
    assert [m.remote_id for m in found] == ["m_ok"]
    reported = [p.remote_id for p in subject.take_problems()]
    assert reported == ["m_nofrom", "m_text", "m_time", "m_att", None]


async def test_send_reply_inside_the_window() -> None:
    fake = FakeGraph(
        {("POST", f"{PAGE_ID}/messages"): {"recipient_id": JANE, "message_id": "m_sent"}}
    )
    result = await adapter(fake).send_text(JANE, "Hi there 🙂")
    assert (result.message_id, result.recipient_id) == ("m_sent", JANE)
    assert fake.body() == {
        "recipient": {"id": JANE},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hi there 🙂"},
    }


async def test_send_with_human_agent_tag() -> None:
    fake = FakeGraph(
        {("POST", f"{PAGE_ID}/messages"): {"recipient_id": JANE, "message_id": "m_sent"}}
    )
    await adapter(fake).send_text(JANE, "Sorry for the delay", human_agent=True)
    assert fake.body() == {
        "recipient": {"id": JANE},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the delay"},
    }


@pytest.mark.parametrize("text", ["x" * 2000, "", "   "])
async def test_text_limits_are_enforced_before_any_request(text: str) -> None:
    fake = FakeGraph()
    with pytest.raises(InvalidRequest):
        await adapter(fake).send_text(JANE, text)
    assert fake.requests == []


def window_routes(last_inbound_age: timedelta) -> FakeGraph:
    thread = {
        "data": [
            {
                "id": "t_1",
                "messages": {
                    "data": [
                        msg("m_2", last_inbound_age - timedelta(minutes=1), PAGE_ID, "ok"),
                        msg("m_1", last_inbound_age, JANE, "hello"),
                    ]
                },
            }
        ]
    }
    return FakeGraph(
        {("POST", f"{PAGE_ID}/messages"): graph_error(10, 2018278), ("GET", CONVS): thread}
    )


async def test_closed_window_says_whether_human_agent_would_work() -> None:
    fake = window_routes(timedelta(days=2))
    with pytest.raises(WindowClosed) as caught:
        await adapter(fake).send_text(JANE, "Hello again")
    assert caught.value.human_agent_possible is True
    assert caught.value.subcode == 2018278
    assert fake.requests[1].url.params["user_id"] == JANE

    fake = window_routes(timedelta(days=8))
    with pytest.raises(WindowClosed) as caught:
        await adapter(fake).send_text(JANE, "Hello again")
    assert caught.value.human_agent_possible is False

    fake = window_routes(timedelta(days=8))
    with pytest.raises(WindowClosed) as caught:
        await adapter(fake).send_text(JANE, "Hello again", human_agent=True)
    assert caught.value.human_agent_possible is False
    assert len(fake.requests) == 1


async def test_blocked_recipient_is_unavailable() -> None:
    fake = FakeGraph({("POST", f"{PAGE_ID}/messages"): graph_error(551, 1545041)})
    with pytest.raises(RecipientUnavailable):
        await adapter(fake).send_text(JANE, "hi")


async def test_sender_actions() -> None:
    fake = FakeGraph({("POST", f"{PAGE_ID}/messages"): {"recipient_id": JANE}})
    subject = adapter(fake)
    await subject.sender_action(JANE, "mark_seen")
    await subject.sender_action(JANE, "typing_on")
    assert fake.body(0) == {"recipient": {"id": JANE}, "sender_action": "mark_seen"}
    assert fake.body(1)["sender_action"] == "typing_on"
    with pytest.raises(InvalidRequest):
        await subject.sender_action(JANE, "react")
    assert len(fake.requests) == 2


async def test_missing_permission_on_read_is_named() -> None:
    fake = FakeGraph({("GET", CONVS): graph_error(200, message="(#200) Permissions error")})
    with pytest.raises(PermissionMissing) as caught:
        await adapter(fake).changed_conversations(None)
    assert caught.value.permission == "pages_messaging"


def verify_routes(granted: list[str], me_id: str = PAGE_ID) -> FakeGraph:
    perms = [{"permission": p, "status": "granted"} for p in granted]
    perms.append({"permission": "pages_read_engagement", "status": "declined"})
    return FakeGraph(
        {
            ("GET", "me"): {"id": me_id, "name": "Acme Shop"},
            ("GET", "me/permissions"): {"data": perms},
        }
    )


async def test_verify_reports_missing_permission_with_its_feature() -> None:
    fake = verify_routes(["pages_messaging", "pages_manage_metadata", "pages_show_list"])
    result = await adapter(fake).verify()
    assert result.token_valid
    assert (result.account_name, result.owner_id) == ("Acme Shop", PAGE_ID)
    assert "pages_read_engagement" not in result.granted
    assert result.missing == {
        "pages_read_engagement": "cannot read conversations or customer names"
    }
    assert result.required == {"pages_messaging", "pages_manage_metadata", "pages_read_engagement"}
    assert result.error is not None and "pages_read_engagement" in result.error


async def test_verify_all_good_and_wrong_page() -> None:
    granted = ["pages_messaging", "pages_manage_metadata", "pages_read_engagement"]
    fake = verify_routes(granted)
    fake.routes[("GET", "me/permissions")] = {
        "data": [{"permission": p, "status": "granted"} for p in granted]
    }
    result = await adapter(fake).verify()
    assert result.missing == {} and result.error is None
    result = await adapter(verify_routes(granted, me_id="999")).verify()
    assert result.error is not None and "999" in result.error


async def test_verify_expired_token() -> None:
    fake = FakeGraph({("GET", "me"): graph_error(190, 463, message="Sessão expirada")})
    result = await adapter(fake).verify()
    assert not result.token_valid
    assert result.error == "token invalid: expired"
    assert set(result.missing) == set(result.required)


async def test_find_sent_reconciles_by_text_and_time() -> None:
    body = {
        "messages": {
            "data": [
                msg("m_3", timedelta(seconds=5), JANE, "Got it"),
                msg("m_2", timedelta(seconds=10), PAGE_ID, "Your cake is ready"),
                msg("m_1", timedelta(hours=1), PAGE_ID, "Hello"),
            ]
        }
    }
    fake = FakeGraph({("GET", "t_1"): body})
    subject = adapter(fake)
    assert await subject.find_sent("t_1", "Your cake is ready", NOW - timedelta(minutes=1)) == "m_2"
    assert await subject.find_sent("t_1", "Hello", NOW - timedelta(minutes=1)) is None
    assert await subject.find_sent("t_1", "Got it", NOW - timedelta(minutes=1)) is None


async def test_backfill_pages_until_the_configured_depth() -> None:
    def history(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        if after is None:
            data = [msg(f"m_{i}", timedelta(days=i), JANE, f"day {i}") for i in range(1, 4)]
            return httpx.Response(200, json=listing(data, after="p2"))
        data = [msg(f"m_{i}", timedelta(days=i), JANE, f"day {i}") for i in range(4, 7)]
        return httpx.Response(200, json=listing(data, after="p3"))

    fake = FakeGraph({("GET", "t_1/messages"): history})
    subject = adapter(fake)
    found, cursor = await subject.backfill(
        "t_1",
        older_than=NOW - timedelta(days=1),
        not_before=NOW - timedelta(days=5),
        page_cursor=None,
    )
    assert [m.remote_id for m in found] == ["m_2", "m_3"]
    assert cursor == "p2"
    found, cursor = await subject.backfill(
        "t_1", older_than=None, not_before=NOW - timedelta(days=5, hours=1), page_cursor=cursor
    )
    assert [m.remote_id for m in found] == ["m_4", "m_5"]
    assert cursor is None
    assert fake.requests[1].url.params["after"] == "p2"


def test_make_adapter_picks_host_and_class() -> None:
    messenger = make_adapter(messenger_account(), "t")
    assert isinstance(messenger, MessengerAdapter)
    assert messenger.client.url("me") == "https://graph.facebook.com/v25.0/me"
    login = Account(
        id="ig", platform=Platform.INSTAGRAM, ig_user_id="1784", api=InstagramApi.INSTAGRAM_LOGIN
    )
    assert make_adapter(login, "t").client.url("me") == "https://graph.instagram.com/v25.0/me"
    local = Account(
        id="b",
        platform=Platform.MESSENGER,
        page_id="1",
        graph_url="http://127.0.0.1:8765/",
        api_version="v26.0",
    )
    assert make_adapter(local, "t").client.url("me") == "http://127.0.0.1:8765/v26.0/me"
