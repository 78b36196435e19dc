"""The Send API: reply windows, validation order and codes, text limits, unknown outcomes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.simulator.conftest import Loop
from tui.simulator.world import IG_LOGIN_KEY, IG_PAGE_KEY, PAGE_KEY, SimConversation

HOUR = 3600.0


def fresh_thread(loop: Loop, key: str) -> SimConversation:
    """A thread whose customer writes now: its window is open."""
    made = loop.sim.inbound(key, None, "hello there")
    return loop.sim.world.conversations[made["conversation_id"]]


async def page_send(loop: Loop, body: dict[str, Any]) -> httpx.Response:
    return await loop.fb.post(
        f"/v25.0/{loop.sim.world.page_id}/messages", json=body, headers=loop.bearer(loop.page_token)
    )


async def ig_send(loop: Loop, body: dict[str, Any]) -> httpx.Response:
    return await loop.ig.post("/v25.0/me/messages", json=body, headers=loop.bearer(loop.ig_token))


def error_of(r: httpx.Response) -> tuple[int, int, int | None]:
    e = r.json()["error"]
    return r.status_code, e["code"], e.get("error_subcode")


async def test_messenger_window_closes_after_24_hours(loop: Loop) -> None:
    conv = fresh_thread(loop, PAGE_KEY)
    reply = {
        "recipient": {"id": conv.customer.id},
        "messaging_type": "RESPONSE",
        "message": {"text": "still here?"},
    }
    assert (await page_send(loop, reply)).status_code == 200
    loop.sim.clock.advance(25 * HOUR)
    r = await page_send(loop, reply)
    assert error_of(r) == (400, 10, 2018278)
    assert "outside of allowed window" in r.json()["error"]["message"]
    tagged = {**reply, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    assert (await page_send(loop, tagged)).status_code == 200
    loop.sim.clock.advance(6 * 24 * HOUR)  # 7 days and 1 hour after the last message
    assert error_of(await page_send(loop, tagged)) == (400, 10, 2018278)
    # The customer writes again: the window reopens.
    loop.sim.inbound(PAGE_KEY, conv.customer.id, "are you there?")
    assert (await page_send(loop, reply)).status_code == 200


async def test_instagram_login_window_error_is_403(loop: Loop) -> None:
    conv = fresh_thread(loop, IG_LOGIN_KEY)
    loop.sim.clock.advance(25 * HOUR)
    r = await ig_send(loop, {"recipient": {"id": conv.customer.id}, "message": {"text": "hi"}})
    assert error_of(r) == (403, 10, 2534022)
    assert r.json()["error"]["type"] == "IGApiException"
    human = {
        "recipient": {"id": conv.customer.id},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "a person here"},
    }
    assert (await ig_send(loop, human)).status_code == 200


async def test_reaction_reopens_window(loop: Loop) -> None:
    conv = fresh_thread(loop, IG_LOGIN_KEY)
    body = {"recipient": {"id": conv.customer.id}, "message": {"text": "thanks!"}}
    assert (await ig_send(loop, body)).status_code == 200
    loop.sim.clock.advance(30 * HOUR)
    assert (await ig_send(loop, body)).status_code == 403
    loop.sim.react(IG_LOGIN_KEY, conv.customer.id, "❤️")
    assert (await ig_send(loop, body)).status_code == 200


async def test_text_limits(loop: Loop) -> None:
    conv = fresh_thread(loop, PAGE_KEY)
    base = {"recipient": {"id": conv.customer.id}, "messaging_type": "RESPONSE"}
    ok = await page_send(loop, {**base, "message": {"text": "é" * 1999}})
    assert ok.status_code == 200
    long = await page_send(loop, {**base, "message": {"text": "x" * 2000}})
    assert error_of(long)[:2] == (400, 100)
    ig = fresh_thread(loop, IG_LOGIN_KEY)
    # 500 two-byte characters are exactly 1000 bytes; one more byte is too many.
    fits = await ig_send(
        loop, {"recipient": {"id": ig.customer.id}, "message": {"text": "é" * 500}}
    )
    assert fits.status_code == 200
    over = await ig_send(
        loop, {"recipient": {"id": ig.customer.id}, "message": {"text": "é" * 500 + "!"}}
    )
    assert error_of(over)[:2] == (400, 100)
    emoji = await ig_send(
        loop, {"recipient": {"id": ig.customer.id}, "message": {"text": "😀" * 251}}
    )
    assert error_of(emoji)[1] == 100


async def test_unknown_recipients(loop: Loop) -> None:
    r = await page_send(
        loop, {"recipient": {"id": "1234"}, "messaging_type": "RESPONSE", "message": {"text": "x"}}
    )
    assert error_of(r) == (400, 100, 2018001)
    r = await ig_send(loop, {"recipient": {"id": "1234"}, "message": {"text": "x"}})
    assert error_of(r) == (400, 100, 2534014)


async def test_blocked_customer_is_551_before_window(loop: Loop) -> None:
    blocked = next(c for c in loop.sim.world.inboxes[PAGE_KEY].conversations if c.customer.blocked)
    r = await page_send(
        loop,
        {
            "recipient": {"id": blocked.customer.id},
            "messaging_type": "RESPONSE",
            "message": {"text": "x"},
        },
    )
    assert error_of(r) == (400, 551, 1545041)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"sender_action": "typing_on", "messaging_type": "RESPONSE"}, (400, 100, 2018014)),
        ({}, (400, 100, None)),  # messaging_type is required on Messenger
        ({"messaging_type": "MESSAGE_TAG"}, (400, 100, None)),  # a tag is required
        ({"messaging_type": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE"}, (400, 100, None)),
        ({"messaging_type": "SHOUTING"}, (400, 100, None)),
    ],
)
async def test_messenger_validation(
    loop: Loop, extra: dict[str, str], expected: tuple[int, int, int | None]
) -> None:
    conv = fresh_thread(loop, PAGE_KEY)
    body = {"recipient": {"id": conv.customer.id}, "message": {"text": "x"}, **extra}
    assert error_of(await page_send(loop, body)) == expected
    assert loop.sim.sent == []


async def test_instagram_accepts_only_human_agent_tag(loop: Loop) -> None:
    conv = fresh_thread(loop, IG_PAGE_KEY)
    body = {
        "recipient": {"id": conv.customer.id},
        "messaging_type": "MESSAGE_TAG",
        "tag": "CONFIRMED_EVENT_UPDATE",
        "message": {"text": "x"},
    }
    assert error_of(await page_send(loop, body))[:2] == (400, 100)
    body["tag"] = "HUMAN_AGENT"
    ok = await page_send(loop, body)
    assert ok.status_code == 200
    assert loop.sim.sent[-1]["account"] == IG_PAGE_KEY


async def test_missing_permission_blocks_send(loop: Loop) -> None:
    conv = fresh_thread(loop, PAGE_KEY)
    r = await loop.fb.post(f"/_sim/tokens/{loop.page_token}", json={"scopes": ["pages_show_list"]})
    assert r.status_code == 200
    body = {
        "recipient": {"id": conv.customer.id},
        "messaging_type": "RESPONSE",
        "message": {"text": "x"},
    }
    assert error_of(await page_send(loop, body))[1] == 200


async def test_sender_actions(loop: Loop) -> None:
    conv = fresh_thread(loop, IG_LOGIN_KEY)
    for action in ("typing_on", "typing_off", "mark_seen"):
        r = await ig_send(loop, {"recipient": {"id": conv.customer.id}, "sender_action": action})
        assert r.json() == {"recipient_id": conv.customer.id}
    assert [a["action"] for a in loop.sim.actions] == ["typing_on", "typing_off", "mark_seen"]
    assert conv.unread_count == 0
    assert loop.sim.sent == []


async def test_error_after_delivery(loop: Loop) -> None:
    conv = fresh_thread(loop, PAGE_KEY)
    armed = await loop.fb.post("/_sim/outcome", json={"count": 1, "mode": "error_after_delivery"})
    assert armed.status_code == 200
    body = {
        "recipient": {"id": conv.customer.id},
        "messaging_type": "RESPONSE",
        "message": {"text": "did it go?"},
    }
    r = await page_send(loop, body)
    assert r.status_code == 500
    assert r.json()["error"]["is_transient"] is True
    sent = (await loop.fb.get("/_sim/sent")).json()["data"]
    assert [s["text"] for s in sent] == ["did it go?"]
    assert conv.messages[-1].text == "did it go?"
    assert (await page_send(loop, body)).status_code == 200


async def test_standard_access_reaches_role_users_only(loop: Loop) -> None:
    await loop.fb.post("/_sim/config", json={"standard_access": True})
    stranger = fresh_thread(loop, PAGE_KEY)
    body = {
        "recipient": {"id": stranger.customer.id},
        "messaging_type": "RESPONSE",
        "message": {"text": "x"},
    }
    assert error_of(await page_send(loop, body)) == (400, 200, 2018028)
    tester = loop.sim.world.inboxes[PAGE_KEY].conversations[0]  # has a role on the app
    loop.sim.inbound(PAGE_KEY, tester.customer.id, "testing")
    body["recipient"] = {"id": tester.customer.id}
    assert (await page_send(loop, body)).status_code == 200
