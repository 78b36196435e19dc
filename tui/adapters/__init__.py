"""Platform adapters: the Graph API client and the Messenger and Instagram adapters."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.adapters.base import ConversationChange, PlatformAdapter, SendResult, Verification
from tui.adapters.errors import (
    AdapterError,
    InvalidRequest,
    OutcomeUnknown,
    PermissionMissing,
    RateLimited,
    RecipientUnavailable,
    TokenInvalid,
    Transient,
    WindowClosed,
    map_graph_error,
)
from tui.adapters.usage import Usage
from tui.domain import Account, InstagramApi, Platform
from tui.domain.clock import utc_now

if TYPE_CHECKING:
    # The adapters themselves and their HTTP client (httpx) are imported when an adapter
    # is made or a name below is first used, never by importing this package: a
    # dashboard attached to a service uses the light names (errors, Verification) only.
    # The Matrix client library (mautrix, aiohttp) is the largest of them.
    import httpx

    from tui.adapters.graph import GraphClient, GraphResponse
    from tui.adapters.instagram import InstagramAdapter
    from tui.adapters.matrix import MatrixAdapter
    from tui.adapters.messenger import MessengerAdapter

FACEBOOK_URL = "https://graph.facebook.com"
INSTAGRAM_URL = "https://graph.instagram.com"

__all__ = [
    "FACEBOOK_URL",
    "INSTAGRAM_URL",
    "AdapterError",
    "ConversationChange",
    "GraphClient",
    "GraphResponse",
    "InstagramAdapter",
    "InvalidRequest",
    "MatrixAdapter",
    "MessengerAdapter",
    "OutcomeUnknown",
    "PermissionMissing",
    "PlatformAdapter",
    "RateLimited",
    "RecipientUnavailable",
    "SendResult",
    "TokenInvalid",
    "Transient",
    "Usage",
    "Verification",
    "WindowClosed",
    "make_adapter",
    "map_graph_error",
]


def make_adapter(
    account: Account,
    token: str | Callable[[], str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    client: httpx.AsyncClient | None = None,
    deadline: float = 30.0,
    clock: Callable[[], datetime] = utc_now,
    app_secret: str | None = None,
) -> PlatformAdapter:
    """The adapter for an account, with its own ``GraphClient`` on the right host.

    ``account.graph_url`` overrides Meta's host (the simulator, a proxy). ``clock`` is the
    adapter's idea of now (reply windows, rate-limit deadlines); the demo passes the
    simulator's. ``app_secret`` is the secret of the app the account's token belongs to
    (the Instagram app for Instagram Login): every call then carries ``appsecret_proof``.
    Close the adapter's ``client`` when done with it.
    """
    if account.platform is Platform.MATRIX:
        from tui.adapters.matrix import MatrixAdapter, MatrixClient

        homeserver = account.homeserver or account.graph_url or ""
        matrix = MatrixClient(homeserver, token, account.user_id or "", account.device_id or "")
        return MatrixAdapter(account, matrix)  # type: ignore[return-value]
    from tui.adapters.graph import GraphClient
    from tui.adapters.instagram import InstagramAdapter
    from tui.adapters.messenger import MessengerAdapter

    login = account.platform is Platform.INSTAGRAM and account.api is InstagramApi.INSTAGRAM_LOGIN
    base_url = account.graph_url or (INSTAGRAM_URL if login else FACEBOOK_URL)
    graph = GraphClient(
        base_url,
        token,
        version=account.api_version,
        client=client,
        transport=transport,
        deadline=deadline,
        clock=clock,
        app_secret=app_secret,
    )
    if account.platform is Platform.INSTAGRAM:
        return InstagramAdapter(account, graph)
    return MessengerAdapter(account, graph)


_LAZY = {
    "GraphClient": "tui.adapters.graph",
    "GraphResponse": "tui.adapters.graph",
    "InstagramAdapter": "tui.adapters.instagram",
    "MatrixAdapter": "tui.adapters.matrix",
    "MessengerAdapter": "tui.adapters.messenger",
}
"""The names imported on first use (see the import note above), and their modules."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
