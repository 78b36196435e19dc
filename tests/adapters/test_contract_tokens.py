"""Contract tests: literal answers from Meta's pages, replayed against our token code.

Each example is copied from the page named beside it (nermalcat69/meta-business-api,
facebook-dev-docs/markdown/):
- documentation/threads/reference.md, "Example Response" of ``debug_token`` (the only
  literal debug_token answer in the mirror; the Graph API's has the same ``data`` shape).
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md,
  "Refresh a long-lived token" (GET, ``grant_type=ig_refresh_token``, ``access_token``).
- documentation/business-messaging/messenger-platform/getting-started/quick-start.md,
  "Get the Page ID & Page Access Token" (``GET /me/accounts``), comments removed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tui.adapters import make_adapter
from tui.domain import Account, InstagramApi, Platform
from tui.services.signin import LinkPlatform, SignIn
from tui.services.tokencheck import debug_token, parse_debug_token

THREADS_DEBUG_TOKEN: dict[str, Any] = {
    "data": {
        "type": "USER",
        "application": "Threads API Test App",
        "data_access_expires_at": 1754846089,
        "expires_at": 1752254132,
        "is_valid": True,
        "issued_at": 1747070132,
        "scopes": [
            "threads_basic",
            "threads_content_publish",
            "threads_manage_replies",
            "threads_manage_insights",
            "threads_read_replies",
            "threads_manage_mentions",
            "threads_keyword_search",
            "threads_location_tagging",
        ],
        "user_id": "1234567890123456",
    }
}
IG_REFRESH: dict[str, Any] = {
    "access_token": "EAACEdEose0...",
    "token_type": "bearer",
    "expires_in": 5183944,
}
ME_ACCOUNTS: dict[str, Any] = {
    "data": [
        {
            "access_token": "EAABkWcj...",
            "category": "Pet Service",
            "category_list": [{"id": "144982405562750", "name": "Pet Service"}],
            "name": "Cisco Dog Page",
            "id": "4225...",
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE"],
        }
    ]
}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def replay(answer: dict[str, Any], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return httpx.MockTransport(handler)


def test_the_debug_token_example_reads_as_a_valid_token_with_its_expiry() -> None:
    status = parse_debug_token(THREADS_DEBUG_TOKEN)
    assert status is not None and status.valid and not status.never_expires
    assert status.expires_at == datetime.fromtimestamp(1752254132, UTC)
    assert status.data_access_expires_at == datetime.fromtimestamp(1754846089, UTC)


async def test_debug_token_sends_the_input_token_in_the_query_and_the_app_token_as_bearer() -> None:
    seen: list[httpx.Request] = []
    status = await debug_token(
        "EAApagetoken",
        app_id="111",
        app_secret="sekrit",
        transport=replay(THREADS_DEBUG_TOKEN, seen),
    )
    assert status is not None and status.valid
    [request] = seen
    assert request.url.path.endswith("/debug_token")
    assert request.url.params["input_token"] == "EAApagetoken"
    assert request.headers["authorization"] == "Bearer 111|sekrit"
    assert "appsecret_proof" not in request.url.params  # an app token proves itself


async def test_the_refresh_example_gives_a_token_valid_for_60_days() -> None:
    seen: list[httpx.Request] = []
    account = Account(
        id="studio",
        platform=Platform.INSTAGRAM,
        ig_user_id="17841400000000001",
        api=InstagramApi.INSTAGRAM_LOGIN,
    )
    adapter = make_adapter(
        account, "IGAAold", transport=replay(IG_REFRESH, seen), clock=lambda: NOW
    )
    result = await adapter.refresh_token()
    await adapter.client.aclose()
    assert result == ("EAACEdEose0...", NOW + timedelta(seconds=5183944))
    [request] = seen
    assert request.method == "GET"
    assert str(request.url).startswith("https://graph.instagram.com/refresh_access_token?")
    assert request.url.params["grant_type"] == "ig_refresh_token"
    assert request.url.params["access_token"] == "IGAAold"


async def test_the_me_accounts_example_is_a_page_to_link_with_its_token() -> None:
    seen: list[httpx.Request] = []
    signin = SignIn(LinkPlatform.MESSENGER, transport=replay(ME_ACCOUNTS, seen))
    [target] = await signin.targets("EAAusertoken")
    await signin.aclose()
    assert (target.name, target.page_id, target.token) == (
        "Cisco Dog Page",
        "4225...",
        "EAABkWcj...",
    )
    assert seen[0].url.path.endswith("/me/accounts")
    assert "access_token" not in seen[0].url.params
