"""The Graph client: bearer auth, deadline, size cap, paging, usage, failure classes."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.adapters.graphfake import NOW, FakeGraph, graph_error, make_client
from tui.adapters.errors import (
    AdapterError,
    InvalidRequest,
    OutcomeUnknown,
    RateLimited,
    TokenInvalid,
    Transient,
)
from tui.adapters.graph import GraphClient

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def socket_server(handler: Handler) -> AsyncIterator[str]:
    """A real loopback HTTP server driven byte by byte by ``handler``."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def read_head(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


def page(ids: list[str], after: str | None) -> dict[str, object]:
    body: dict[str, object] = {"data": [{"id": i} for i in ids]}
    if after is not None:
        body["paging"] = {
            "cursors": {"before": "b", "after": after},
            "next": f"https://graph.facebook.com/v25.0/x/edge?access_token=EAAleak&after={after}",
        }
    return body


async def test_token_travels_in_bearer_header_never_in_url() -> None:
    fake = FakeGraph(
        {
            ("GET", "me"): {"id": "1"},
            ("GET", "p/conversations"): [page(["a"], "c1"), page(["b"], None)],
        }
    )
    async with make_client(fake) as client:
        await client.get("me", {"fields": "id,name"})
        async for _ in client.paginate("p/conversations", {"limit": 1}):
            pass
    assert len(fake.requests) == 3
    for request in fake.requests:
        assert request.headers["authorization"] == "Bearer EAAsecret-token"
        assert "access_token" not in str(request.url)
        assert "EAA" not in str(request.url)
    assert fake.requests[0].url.path == "/v25.0/me"


async def test_token_callable_is_read_per_request() -> None:
    tokens = iter(["first", "second"])
    fake = FakeGraph({("GET", "me"): {"id": "1"}})
    client = GraphClient("https://g.test", lambda: next(tokens), transport=fake.transport())
    async with client:
        await client.get("me")
        await client.get("me")
    assert [r.headers["authorization"] for r in fake.requests] == ["Bearer first", "Bearer second"]


async def test_token_parameters_are_refused_before_any_request() -> None:
    fake = FakeGraph({("GET", "debug_token"): {}})
    async with make_client(fake) as client:
        with pytest.raises(InvalidRequest):
            await client.get("debug_token", {"input_token": "EAAsecret-token"})
    assert fake.requests == []


async def test_requests_are_logged_with_method_and_path_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeGraph({("GET", "me"): {"id": "1"}})
    caplog.set_level(logging.DEBUG, logger="tui.adapters")
    async with make_client(fake) as client:
        await client.get("me", {"fields": "secret_field_value"})
    text = caplog.text
    assert "GET /me" in text
    assert "secret_field_value" not in text and "EAAsecret" not in text


async def test_version_and_base_url_are_configurable() -> None:
    fake = FakeGraph({("GET", "me"): {"id": "1"}})
    client = GraphClient(
        "http://127.0.0.1:9/instagram/", "t", version="v26.0", transport=fake.transport()
    )
    async with client:
        await client.get("me")
    assert str(fake.requests[0].url) == "http://127.0.0.1:9/instagram/v26.0/me"


async def test_deadline_cuts_a_one_byte_per_second_drip() -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        )
        try:
            for byte in b'{"data": [], "padding": "xxxxxxxxxxxx"}':
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1.0)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async with socket_server(drip) as url:
        client = GraphClient(url, "t", deadline=1.0)
        async with client:
            started = time.monotonic()
            with pytest.raises(Transient) as caught:
                await client.get("me")
            elapsed = time.monotonic() - started
            with pytest.raises(OutcomeUnknown):
                await client.post("p/messages", {"recipient": {"id": "1"}})
    assert elapsed < 2.0
    assert "1s" in str(caught.value)


async def test_dropped_connection_is_transient_for_get_and_unknown_for_post() -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.close()

    async with socket_server(drop) as url, GraphClient(url, "t", deadline=5.0) as client:
        with pytest.raises(Transient) as got:
            await client.get("me")
        assert not isinstance(got.value, OutcomeUnknown)
        with pytest.raises(OutcomeUnknown):
            await client.post("p/messages", {"x": 1})


async def test_refused_connection_is_plain_transient_even_for_post() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with GraphClient(f"http://127.0.0.1:{port}", "t") as client:
        with pytest.raises(Transient) as got:
            await client.post("p/messages", {"x": 1})
    assert not isinstance(got.value, OutcomeUnknown)


async def test_size_cap_stops_a_huge_body() -> None:
    big = b'{"data": "' + b"x" * 5000 + b'"}'

    def declared(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=big)

    def streamed(request: httpx.Request) -> httpx.Response:
        # No Content-Length: the cap must hold while reading.
        async def chunks() -> AsyncIterator[bytes]:
            yield big[:2000]
            yield big[2000:]

        return httpx.Response(200, content=chunks())

    for reply in (declared, streamed):
        fake = FakeGraph({("GET", "me"): reply, ("POST", "p/messages"): reply})
        client = GraphClient("https://g.test", "t", transport=fake.transport(), max_bytes=1024)
        async with client:
            with pytest.raises(AdapterError, match="larger than 1024"):
                await client.get("me")
            with pytest.raises(OutcomeUnknown):
                await client.post("p/messages", {})
    fake = FakeGraph({("GET", "me"): declared})
    async with GraphClient("https://g.test", "t", transport=fake.transport()) as client:
        assert len((await client.get("me")).data["data"]) == 5000


async def test_pagination_stops_on_a_repeated_cursor() -> None:
    fake = FakeGraph(
        {
            ("GET", "p/conversations"): [
                page(["a"], "c1"),
                page(["b"], "c2"),
                page(["c"], "c1"),
                page(["d"], "c9"),
            ]
        }
    )
    async with make_client(fake) as client:
        pages = [p async for p in client.paginate("p/conversations", {"limit": 1})]
    assert [[item["id"] for item in p] for p in pages] == [["a"], ["b"], ["c"]]
    assert len(fake.requests) == 3
    assert [r.url.params.get("after") for r in fake.requests] == [None, "c1", "c2"]


async def test_pagination_follows_cursor_from_next_link_and_respects_max_pages() -> None:
    only_link = {
        "data": [{"id": "a"}],
        "paging": {"next": "https://graph.facebook.com/v25.0/x?after=Q1VS&limit=1"},
    }
    empty_with_next = page([], "c2")
    fake = FakeGraph({("GET", "p/c"): [only_link, empty_with_next, page(["z"], "c3")]})
    async with make_client(fake) as client:
        pages = [p async for p in client.paginate("p/c", max_pages=2)]
    assert pages == [[{"id": "a"}], []]
    assert fake.requests[1].url.params["after"] == "Q1VS"
    assert len(fake.requests) == 2


async def test_truncated_json_is_transient_or_unknown() -> None:
    def truncated(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"data": [{"id": "a"}, {"id')

    fake = FakeGraph({("GET", "me"): truncated, ("POST", "p/messages"): truncated})
    async with make_client(fake) as client:
        with pytest.raises(Transient):
            await client.get("me")
        with pytest.raises(OutcomeUnknown):
            await client.post("p/messages", {})


async def test_server_error_on_post_is_outcome_unknown_but_4xx_is_not() -> None:
    fake = FakeGraph(
        {
            ("POST", "p/messages"): [
                graph_error(2, status=503),
                graph_error(190, 463),
                graph_error(4, status=403),
            ]
        }
    )
    async with make_client(fake) as client:
        with pytest.raises(OutcomeUnknown) as unknown:
            await client.post("p/messages", {})
        assert unknown.value.code == 2
        with pytest.raises(TokenInvalid):
            await client.post("p/messages", {})
        with pytest.raises(RateLimited):
            await client.post("p/messages", {})


async def test_usage_headers_are_tracked_and_requests_counted() -> None:
    usage = {
        "x-app-usage": json.dumps({"call_count": 28, "total_time": 25, "total_cputime": 9}),
        "x-business-use-case-usage": json.dumps(
            {
                "1": [
                    {
                        "type": "messenger",
                        "call_count": 91,
                        "total_time": 3,
                        "total_cputime": 2,
                        "estimated_time_to_regain_access": 0,
                    }
                ]
            }
        ),
    }
    fake = FakeGraph(
        {("GET", "me"): [httpx.Response(200, json={}, headers=usage), httpx.Response(200, json={})]}
    )
    async with make_client(fake) as client:
        assert client.usage is None
        await client.get("me")
        assert client.usage is not None
        assert client.usage.max_pct == 91
        assert client.usage.regain_at is None
        await client.get("me")  # no headers: the last report stays
        assert client.usage.max_pct == 91
        assert client.request_count == 2


async def test_throttle_with_regain_time() -> None:
    headers = {
        "x-business-use-case-usage": json.dumps(
            {
                "1": [
                    {
                        "type": "instagram",
                        "call_count": 100,
                        "total_time": 100,
                        "total_cputime": 40,
                        "estimated_time_to_regain_access": 12,
                    }
                ]
            }
        )
    }
    reply = graph_error(80002)
    fake = FakeGraph({("GET", "me"): httpx.Response(400, json=reply.json(), headers=headers)})
    async with make_client(fake) as client:
        with pytest.raises(RateLimited) as caught:
            await client.get("me")
        assert client.usage is not None and client.usage.regain_at is not None
    assert caught.value.until is not None
    assert (caught.value.until - NOW).total_seconds() == 12 * 60


async def test_client_passed_in_is_not_closed() -> None:
    fake = FakeGraph({("GET", "me"): {"id": "1"}})
    async with httpx.AsyncClient(transport=fake.transport()) as shared:
        async with GraphClient("https://g.test", "t", client=shared) as client:
            await client.get("me")
        assert not shared.is_closed
