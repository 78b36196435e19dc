"""Every literal request of the reference's section 14, over a real loopback socket."""

from __future__ import annotations

import json
import re

import httpx

from tests.simulator.conftest import Loop
from tui.simulator.world import IG_LOGIN_KEY, IG_PAGE_KEY, PAGE_KEY

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")


def assert_graph_headers(headers: httpx.Headers, host_header: str = "facebook-api-version") -> None:
    get = headers.get
    assert get("content-type") == "application/json; charset=UTF-8"
    assert get(host_header) == "v25.0"
    assert get("x-fb-trace-id")


async def test_page_conversations_for_instagram(loop: Loop) -> None:
    sim = loop.sim
    r = await loop.fb.get(
        f"/v25.0/{sim.world.page_id}/conversations",
        params={
            "platform": "instagram",
            "fields": "id,updated_time,participants",
            "limit": "25",
            "access_token": loop.page_token,
        },
    )
    assert r.status_code == 200
    assert_graph_headers(r.headers)
    body = r.json()
    assert len(body["data"]) == 12
    assert "next" not in body["paging"]
    first = body["data"][0]
    assert set(first) == {"id", "updated_time", "participants"}
    assert first["id"].startswith("aWdfZAG06")
    assert TIME.match(first["updated_time"])
    ig_id = sim.world.ig_page_id
    people = first["participants"]["data"]
    assert people[0] == {"username": "lepetitfour.bakery", "id": ig_id}
    assert set(people[1]) == {"username", "id"}
    times = [c["updated_time"] for c in body["data"]]
    assert times == sorted(times, reverse=True)


async def test_conversation_with_nested_messages(loop: Loop) -> None:
    conv = loop.sim.world.inboxes[PAGE_KEY].conversations[1]
    r = await loop.fb.get(
        f"/v25.0/{conv.id}",
        params={
            "fields": "messages.limit(20){id,created_time,from,to,message,attachments}",
            "access_token": loop.page_token,
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == conv.id
    messages = body["messages"]["data"]
    assert len(messages) == 8
    assert [m["created_time"] for m in messages] == sorted(
        (m["created_time"] for m in messages), reverse=True
    )
    for m in messages:
        assert m["id"].startswith("m_")
        assert {"id", "created_time", "from", "to", "message"} <= set(m)
        assert set(m["from"]) == {"name", "email", "id"}
        assert m["from"]["email"] == m["from"]["id"] + "@facebook.com"
    # The seeded world gives this thread's first customer message a PDF.
    oldest = messages[-1]
    assert oldest["attachments"]["data"][0]["mime_type"] == "application/pdf"


async def test_message_node(loop: Loop) -> None:
    conv = loop.sim.world.inboxes[PAGE_KEY].conversations[0]
    msg = conv.messages[-1]
    r = await loop.fb.get(
        f"/v25.0/{msg.id}",
        params={"fields": "id,created_time,from,to,message", "access_token": loop.page_token},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == msg.id
    assert body["message"] == msg.text
    assert body["from"]["id"] == conv.customer.id
    assert body["to"]["data"][0]["id"] == loop.sim.world.page_id


async def test_send_response_message(loop: Loop) -> None:
    sim = loop.sim
    conv = sim.world.inboxes[PAGE_KEY].conversations[0]
    r = await loop.fb.post(
        f"/v25.0/{sim.world.page_id}/messages",
        json={
            "recipient": {"id": conv.customer.id},
            "messaging_type": "RESPONSE",
            "message": {"text": "Hi"},
        },
        headers=loop.bearer(loop.page_token),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["recipient_id"] == conv.customer.id
    assert body["message_id"].startswith("m_")
    assert sim.sent[-1]["text"] == "Hi"
    assert conv.messages[-1].id == body["message_id"]
    assert conv.unread_count == 0


async def test_send_human_agent_after_24_hours(loop: Loop) -> None:
    sim = loop.sim
    conv = sim.world.inboxes[PAGE_KEY].conversations[4]  # last customer message ~30 h ago
    r = await loop.fb.post(
        f"/v25.0/{sim.world.page_id}/messages",
        json={
            "recipient": {"id": conv.customer.id},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
            "message": {"text": "Sorry for the delay"},
        },
        headers=loop.bearer(loop.page_token),
    )
    assert r.status_code == 200, r.text
    assert sim.sent[-1]["tag"] == "HUMAN_AGENT"


async def test_mark_seen_clears_unread(loop: Loop) -> None:
    sim = loop.sim
    conv = sim.world.inboxes[PAGE_KEY].conversations[0]
    assert conv.unread_count > 0
    r = await loop.fb.post(
        f"/v25.0/{sim.world.page_id}/messages",
        json={"recipient": {"id": conv.customer.id}, "sender_action": "mark_seen"},
        headers=loop.bearer(loop.page_token),
    )
    assert r.status_code == 200
    assert r.json() == {"recipient_id": conv.customer.id}
    listing = await loop.fb.get(
        f"/v25.0/{sim.world.page_id}/conversations",
        params={"platform": "messenger", "fields": "id,unread_count", "user_id": conv.customer.id},
        headers=loop.bearer(loop.page_token),
    )
    assert listing.json()["data"] == [{"id": conv.id, "unread_count": 0}]


async def test_instagram_login_conversations(loop: Loop) -> None:
    r = await loop.ig.get(
        "/v25.0/me/conversations",
        params={"platform": "instagram"},
        headers=loop.bearer(loop.ig_token),
    )
    assert r.status_code == 200
    assert_graph_headers(r.headers, "instagram-api-version")
    data = r.json()["data"]
    assert len(data) == 12
    assert all(set(c) == {"id", "updated_time"} for c in data)


async def test_instagram_login_send(loop: Loop) -> None:
    sim = loop.sim
    conv = sim.world.inboxes[IG_LOGIN_KEY].conversations[0]
    r = await loop.ig.post(
        f"/v25.0/{sim.world.ig_login_id}/messages",
        json={"recipient": {"id": conv.customer.id}, "message": {"text": "Hi"}},
        headers=loop.bearer(loop.ig_token),
    )
    assert r.status_code == 200, r.text
    assert r.json()["message_id"].startswith("aWdfZAG1")
    assert sim.sent[-1]["account"] == IG_LOGIN_KEY


async def test_debug_token(loop: Loop) -> None:
    sim = loop.sim
    r = await loop.fb.get(
        "/v25.0/debug_token",
        params={"input_token": loop.page_token, "access_token": sim.world.tokens["app"]},
    )
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["is_valid"] is True
    assert data["type"] == "PAGE"
    assert data["expires_at"] == 0
    assert data["profile_id"] == sim.world.page_id
    assert "pages_messaging" in data["scopes"]
    assert {"scope": "pages_messaging", "target_ids": [sim.world.page_id]} in data[
        "granular_scopes"
    ]
    assert {"app_id", "application", "issued_at", "user_id", "data_access_expires_at"} <= set(data)


async def test_me_permissions(loop: Loop) -> None:
    r = await loop.fb.get("/v25.0/me/permissions", params={"access_token": loop.page_token})
    assert r.status_code == 200
    rows = r.json()["data"]
    assert {"permission": "pages_messaging", "status": "granted"} in rows


async def test_me_accounts_with_instagram(loop: Loop) -> None:
    sim = loop.sim
    r = await loop.fb.get(
        "/v25.0/me/accounts",
        params={
            "fields": "id,name,access_token,tasks,instagram_business_account{id,username}",
            "access_token": sim.world.tokens["user"],
        },
    )
    assert r.status_code == 200
    page = r.json()["data"][0]
    assert page["id"] == sim.world.page_id
    assert page["access_token"] == loop.page_token
    assert "MESSAGING" in page["tasks"]
    assert page["instagram_business_account"] == {
        "id": sim.world.ig_page_id,
        "username": "lepetitfour.bakery",
    }


async def test_instagram_refresh_token(loop: Loop) -> None:
    sim = loop.sim
    r = await loop.ig.get(
        "/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": loop.ig_token},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5183944
    fresh = body["access_token"]
    assert fresh.startswith("IGAA") and fresh != loop.ig_token
    me = await loop.ig.get(
        "/v25.0/me", params={"fields": "user_id,username"}, headers=loop.bearer(fresh)
    )
    assert me.json()["user_id"] == sim.world.ig_login_id
    assert me.json()["username"] == "petitfour.studio"
    # Tokens never reach the request log.
    logged = json.dumps([req.as_json() for req in sim.requests])
    assert loop.ig_token not in logged and fresh not in logged


async def test_instagram_via_page_and_login_are_separate_accounts(loop: Loop) -> None:
    world = loop.sim.world
    assert world.ig_page_id != world.ig_login_id
    page_ig = {c.customer.id for c in world.inboxes[IG_PAGE_KEY].conversations}
    login_ig = {c.customer.id for c in world.inboxes[IG_LOGIN_KEY].conversations}
    assert not page_ig & login_ig
    # A Page token means nothing on graph.instagram.com.
    r = await loop.ig.get("/v25.0/me/conversations", headers=loop.bearer(loop.page_token))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 190
