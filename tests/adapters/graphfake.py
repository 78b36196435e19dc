"""Helpers for the adapter tests: a routing httpx.MockTransport that records requests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from tui.adapters.graph import GraphClient
from tui.domain import Account, InstagramApi, Platform

PAGE_ID = "104920384756001"
IG_ID = "17841400000000001"
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)

Reply = dict[str, Any] | httpx.Response | Callable[[httpx.Request], httpx.Response]


def graph_error(
    code: int, subcode: int | None = None, *, status: int = 400, message: str = "boom"
) -> httpx.Response:
    """A response in Graph's error envelope."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AbCdEf12345"
    return httpx.Response(status, json={"error": error})


class FakeGraph:
    """Answers by (method, path without the version prefix); records every request.

    A route may hold a list of replies, consumed in order (the last one repeats).
    """

    def __init__(self, routes: dict[tuple[str, str], Reply | list[Reply]] | None = None) -> None:
        self.routes: dict[tuple[str, str], Reply | list[Reply]] = dict(routes or {})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/instagram")
        path = re.sub(r"^/v\d+\.0/", "/", path)
        key = (request.method, path.lstrip("/"))
        if key not in self.routes:
            return graph_error(2500, message=f"Unknown path components: {path}")
        reply = self.routes[key]
        if isinstance(reply, list):
            reply = reply.pop(0) if len(reply) > 1 else reply[0]
        if isinstance(reply, httpx.Response):
            return reply
        if callable(reply):
            return reply(request)
        return httpx.Response(200, json=reply)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def make_client(fake: FakeGraph, base_url: str = "https://graph.facebook.com") -> GraphClient:
    return GraphClient(base_url, "EAAsecret-token", transport=fake.transport(), clock=lambda: NOW)


def messenger_account() -> Account:
    return Account(id="bakery", platform=Platform.MESSENGER, page_id=PAGE_ID)


def ig_page_account() -> Account:
    return Account(
        id="bakery-ig",
        platform=Platform.INSTAGRAM,
        page_id=PAGE_ID,
        ig_user_id=IG_ID,
        api=InstagramApi.PAGE,
    )


def ig_login_account() -> Account:
    return Account(
        id="bakery-igl",
        platform=Platform.INSTAGRAM,
        ig_user_id=IG_ID,
        api=InstagramApi.INSTAGRAM_LOGIN,
    )
