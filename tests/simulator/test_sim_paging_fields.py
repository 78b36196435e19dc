"""Pagination, field selection, nested expansion, versions and unknown paths."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.conftest import Loop
from tui.simulator import Simulator
from tui.simulator.world import IG_LOGIN_KEY, IG_PAGE_KEY, PAGE_KEY


async def walk(client: httpx.AsyncClient, url: str, params: dict[str, str]) -> list[list[str]]:
    """Follow ``next`` until it is absent; the ids of each page."""
    pages = []
    r = await client.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append([item["id"] for item in body["data"]])
        nxt = body.get("paging", {}).get("next")
        if not nxt:
            return pages
        assert nxt.startswith("http://127.0.0.1:")
        r = await client.get(nxt)


async def test_many_pages_then_no_next() -> None:
    sim = Simulator(conversations_per_account=53)
    transport = sim.transport()
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9") as client:
        pages = await walk(
            client,
            f"/v25.0/{sim.world.page_id}/conversations",
            {"platform": "messenger", "limit": "10", "access_token": sim.world.tokens["page"]},
        )
    assert [len(p) for p in pages] == [10, 10, 10, 10, 10, 3]
    flat = [i for p in pages for i in p]
    assert len(set(flat)) == 53


async def test_paging_over_loopback_keeps_query(loop: Loop) -> None:
    pages = await walk(
        loop.fb,
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        {"platform": "instagram", "limit": "5", "fields": "id", "access_token": loop.page_token},
    )
    assert [len(p) for p in pages] == [5, 5, 2]


async def test_previous_link_and_before_cursor(loop: Loop) -> None:
    url = f"/v25.0/{loop.sim.world.page_id}/conversations"
    first = (await loop.fb.get(url, params={"limit": "4", "access_token": loop.page_token})).json()
    assert "previous" not in first["paging"]
    second = (await loop.fb.get(first["paging"]["next"])).json()
    back = (await loop.fb.get(second["paging"]["previous"])).json()
    assert [c["id"] for c in back["data"]] == [c["id"] for c in first["data"]]


@pytest.mark.parametrize("cursor", ["garbage!!", "c2ltMTpub3RoZXJl", ""])
async def test_bad_cursor_is_code_100(loop: Loop, cursor: str) -> None:
    r = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"after": cursor or "Zm9v", "access_token": loop.page_token},
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"] == r.headers["x-fb-trace-id"]


async def test_limit_is_capped_at_100() -> None:
    sim = Simulator(conversations_per_account=130, messages_per_conversation=2)
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url="https://graph.facebook.com"
    ) as c:
        r = await c.get(
            f"/v25.0/{sim.world.page_id}/conversations",
            params={"limit": "500", "access_token": sim.world.tokens["page"]},
        )
    body = r.json()
    assert len(body["data"]) == 100
    assert "next" in body["paging"]


async def test_field_selection_and_default_fields(loop: Loop) -> None:
    url = f"/v25.0/{loop.sim.world.page_id}/conversations"
    default = (await loop.fb.get(url, params={"access_token": loop.page_token})).json()
    assert all(set(c) == {"id", "updated_time"} for c in default["data"])
    chosen = (
        await loop.fb.get(
            url,
            params={
                "fields": "snippet,unread_count,participants{id}",
                "access_token": loop.page_token,
            },
        )
    ).json()
    first = chosen["data"][0]
    assert set(first) == {"id", "snippet", "unread_count", "participants"}
    assert all(set(p) == {"id"} for p in first["participants"]["data"])


async def test_unknown_field_on_instagram_thread(loop: Loop) -> None:
    r = await loop.ig.get(
        "/v25.0/me/conversations",
        params={"fields": "id,unread_count"},
        headers=loop.bearer(loop.ig_token),
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "IGApiException"
    assert "Tried accessing nonexisting field (unread_count) on node type" in error["message"]
    page = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"platform": "instagram", "fields": "snippet", "access_token": loop.page_token},
    )
    assert page.json()["error"]["code"] == 100
    loop.sim.ig_page_extra_fields = True
    again = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"platform": "instagram", "fields": "snippet", "access_token": loop.page_token},
    )
    assert again.status_code == 200


async def test_nested_messages_page_onwards(loop: Loop) -> None:
    conv = loop.sim.world.inboxes[IG_PAGE_KEY].conversations[0]  # 26 messages
    r = await loop.fb.get(
        f"/v25.0/{conv.id}",
        params={"fields": "messages.limit(10){id,message}", "access_token": loop.page_token},
    )
    edge = r.json()["messages"]
    assert len(edge["data"]) == 10
    pages = [len(edge["data"])]
    nxt = edge["paging"].get("next")
    while nxt:
        assert f"/v25.0/{conv.id}/messages?" in nxt
        body = (await loop.fb.get(nxt)).json()
        pages.append(len(body["data"]))
        nxt = body.get("paging", {}).get("next")
    assert pages == [10, 10, 6]


async def test_instagram_20_most_recent_rule(loop: Loop) -> None:
    conv = loop.sim.world.inboxes[IG_LOGIN_KEY].conversations[0]
    r = await loop.ig.get(
        f"/v25.0/{conv.id}",
        params={"fields": "messages.limit(30){id,created_time,message}"},
        headers=loop.bearer(loop.ig_token),
    )
    messages = r.json()["messages"]["data"]
    assert len(messages) == 26
    assert all("message" in m for m in messages[:20])
    assert all(set(m) == {"id", "created_time"} for m in messages[20:])
    old = await loop.ig.get(f"/v25.0/{messages[-1]['id']}", headers=loop.bearer(loop.ig_token))
    assert old.status_code == 400
    assert old.json()["error"]["code"] == 100
    assert "deleted" in old.json()["error"]["message"]
    recent = await loop.ig.get(f"/v25.0/{messages[0]['id']}", headers=loop.bearer(loop.ig_token))
    assert recent.status_code == 200


async def test_messages_edge_and_user_id_filter(loop: Loop) -> None:
    conv = loop.sim.world.inboxes[PAGE_KEY].conversations[2]
    r = await loop.fb.get(
        f"/v25.0/{conv.id}/messages", params={"limit": "3", "access_token": loop.page_token}
    )
    assert [m["id"] for m in r.json()["data"]] == [m.id for m in conv.messages[::-1][:3]]
    one = await loop.fb.get(
        f"/v25.0/{loop.sim.world.page_id}/conversations",
        params={"user_id": conv.customer.id, "folder": "inbox", "access_token": loop.page_token},
    )
    assert [c["id"] for c in one.json()["data"]] == [conv.id]


@pytest.mark.parametrize("version", ["v19.0", "v22.0", "v26.0", ""])
async def test_supported_versions(loop: Loop, version: str) -> None:
    path = f"/{version}/me" if version else "/me"
    r = await loop.fb.get(path, params={"access_token": loop.page_token})
    assert r.status_code == 200
    assert r.headers["facebook-api-version"] == (version or "v25.0")
    assert r.json()["id"] == loop.sim.world.page_id


@pytest.mark.parametrize("path", ["/v18.0/me", "/v27.0/me", "/v25.0/me/feedz", "/v25.0/a/b/c"])
async def test_unknown_paths_are_2500(loop: Loop, path: str) -> None:
    r = await loop.fb.get(path, params={"access_token": loop.page_token})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 2500
    assert "Unknown path components" in r.json()["error"]["message"]


async def test_unknown_object_is_100_33(loop: Loop) -> None:
    r = await loop.fb.get("/v25.0/t_999", params={"access_token": loop.page_token})
    error = r.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)


async def test_form_encoded_send_with_query_token(loop: Loop) -> None:
    conv = loop.sim.world.inboxes[PAGE_KEY].conversations[0]
    r = await loop.fb.post(
        f"/v25.0/{loop.sim.world.page_id}/messages",
        params={"access_token": loop.page_token},
        data={
            "recipient": "{'id':'" + conv.customer.id + "'}",
            "messaging_type": "RESPONSE",
            "message": '{"text":"form hello"}',
        },
    )
    assert r.status_code == 200, r.text
    assert loop.sim.sent[-1]["text"] == "form hello"


async def test_user_profiles(loop: Loop) -> None:
    world = loop.sim.world
    psid = world.inboxes[PAGE_KEY].conversations[0].customer
    r = await loop.fb.get(
        f"/v25.0/{psid.id}",
        params={"fields": "first_name,last_name,profile_pic"},
        headers=loop.bearer(loop.page_token),
    )
    assert r.json()["first_name"] + " " + r.json()["last_name"] == psid.name
    igsid = world.inboxes[IG_LOGIN_KEY].conversations[0].customer
    r = await loop.ig.get(
        f"/v25.0/{igsid.id}",
        params={"fields": "name,username,is_user_follow_business"},
        headers=loop.bearer(loop.ig_token),
    )
    assert r.json()["username"] == igsid.username
    assert r.json()["id"] == igsid.id
