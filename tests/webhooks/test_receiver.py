"""The webhook receiver over a real socket: verification, signatures, limits, slow senders."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from tests.conftest import WEBHOOK_SECRET, WEBHOOK_VERIFY
from tui.store import Store
from tui.webhooks.receiver import WebhookReceiver
from tui.webhooks.signature import sign


def _url(receiver: WebhookReceiver) -> str:
    assert receiver.address is not None
    host, port = receiver.address
    return f"http://{host}:{port}{receiver.path}"


def delivery(text: str = "hello, world", mid: str = "m_1", ts: int = 1764072000000) -> bytes:
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "1049",
                "time": ts,
                "messaging": [
                    {
                        "sender": {"id": "psid_1"},
                        "recipient": {"id": "1049"},
                        "timestamp": ts,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }
    # Meta escapes non-ASCII in what it signs and sends.
    return json.dumps(payload, ensure_ascii=True).encode()


async def post(receiver: WebhookReceiver, body: bytes, header: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    async with httpx.AsyncClient() as client:
        return await client.post(_url(receiver), content=body, headers=headers)


async def stored(store: Store) -> int:
    stats = await store.webhook_stats()
    return stats.pending + stats.done + stats.failed


async def test_challenge_answered_only_for_the_right_verify_token(
    webhook_receiver: WebhookReceiver,
) -> None:
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    async with httpx.AsyncClient() as client:
        right = await client.get(
            _url(webhook_receiver), params={**params, "hub.verify_token": WEBHOOK_VERIFY}
        )
        wrong = await client.get(
            _url(webhook_receiver), params={**params, "hub.verify_token": "guess"}
        )
        missing = await client.get(_url(webhook_receiver), params=params)
    assert (right.status_code, right.text) == (200, "1158201444")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert missing.status_code == 403


async def test_a_valid_signature_stores_the_event_before_the_200(
    webhook_receiver: WebhookReceiver, store_file: Store
) -> None:
    body = delivery("café ☕")
    response = await post(webhook_receiver, body, sign(body, WEBHOOK_SECRET))
    assert response.status_code == 200
    # The answer came after the commit: the event is readable at once.
    pending = await store_file.pending_webhook_events()
    assert len(pending) == 1 and "caf\\u00e9" in pending[0].payload


@pytest.mark.parametrize(
    "header",
    [
        None,
        "sha256=",
        "sha256=zz" + "0" * 62,
        "sha256=" + "0" * 64,
        "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0",
    ],
    ids=["missing", "empty", "malformed", "wrong", "sha1-only"],
)
async def test_bad_signatures_are_refused_and_logged_without_the_body(
    webhook_receiver: WebhookReceiver,
    store_file: Store,
    header: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = delivery("secret customer words")
    with caplog.at_level(logging.WARNING):
        response = await post(webhook_receiver, body, header)
    assert response.status_code == 403
    assert await stored(store_file) == 0
    assert "refused" in caplog.text
    assert "secret customer words" not in caplog.text


async def test_a_signature_for_another_secret_is_refused(
    webhook_receiver: WebhookReceiver, store_file: Store
) -> None:
    body = delivery()
    response = await post(webhook_receiver, body, sign(body, "someone-else's-secret"))
    assert response.status_code == 403
    assert await stored(store_file) == 0


async def test_a_body_re_encoded_by_a_proxy_fails_the_signature(
    webhook_receiver: WebhookReceiver, store_file: Store
) -> None:
    original = delivery("olá, Zoë")
    header = sign(original, WEBHOOK_SECRET)
    # A proxy that decodes and re-serialises the JSON (same meaning, other bytes).
    re_encoded = json.dumps(json.loads(original), ensure_ascii=False).encode()
    assert re_encoded != original
    response = await post(webhook_receiver, re_encoded, header)
    assert response.status_code == 403
    assert await stored(store_file) == 0


async def test_retries_and_duplicates_are_stored_once(
    webhook_receiver: WebhookReceiver, store_file: Store
) -> None:
    body = delivery()
    for _ in range(3):
        response = await post(webhook_receiver, body, sign(body, WEBHOOK_SECRET))
        assert response.status_code == 200
    assert await stored(store_file) == 1


async def test_a_body_over_the_cap_is_refused(
    webhook_receiver: WebhookReceiver, store_file: Store
) -> None:
    body = delivery("x" * 70_000)
    response = await post(webhook_receiver, body, sign(body, WEBHOOK_SECRET))
    assert response.status_code == 413
    assert await stored(store_file) == 0


async def test_a_half_sent_request_does_not_block_others(
    webhook_receiver: WebhookReceiver, store_file: Store
) -> None:
    assert webhook_receiver.address is not None
    host, port = webhook_receiver.address
    _reader, writer = await asyncio.open_connection(host, port)
    try:
        # Promise 5000 bytes, send 10, and hold the connection open.
        writer.write(
            f"POST {webhook_receiver.path} HTTP/1.1\r\nHost: x\r\n"
            'Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"object":'.encode()
        )
        await writer.drain()
        body = delivery()
        response = await asyncio.wait_for(
            post(webhook_receiver, body, sign(body, WEBHOOK_SECRET)), timeout=30
        )
        assert response.status_code == 200
        assert await stored(store_file) == 1
    finally:
        writer.close()
