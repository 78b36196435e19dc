"""The shared Graph API client: bearer auth, deadlines, size caps, paging, typed errors."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx

from tui.adapters.errors import (
    AdapterError,
    InvalidRequest,
    OutcomeUnknown,
    Transient,
    map_graph_error,
)
from tui.adapters.usage import Usage, UsageScope, parse_usage
from tui.domain.clock import utc_now

log = logging.getLogger(__name__)

DEFAULT_VERSION = "v25.0"
# httpx's own per-operation limits; the overall deadline sits on top of them.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_FORBIDDEN_PARAMS = frozenset({"access_token", "input_token", "fb_exchange_token"})


@dataclass(frozen=True)
class GraphResponse:
    """A successful Graph response, its JSON object already decoded."""

    status: int
    data: dict[str, Any]
    headers: Mapping[str, str]


class GraphClient:
    """An async Graph API client for one host and one token.

    The token travels only in the ``Authorization: Bearer`` header; query parameters that
    would carry a token are refused, so no logged URL can leak one. Every request runs under
    an overall deadline covering the connection, the send and the whole body read.
    """

    def __init__(
        self,
        base_url: str,
        token: str | Callable[[], str],
        *,
        version: str = DEFAULT_VERSION,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float = 30.0,
        max_bytes: int = 8 * 1024 * 1024,
        clock: Callable[[], datetime] = utc_now,
        app_secret: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.clock = clock
        self.usage: Usage | None = None
        """The latest usage report a response carried."""
        self.request_count = 0
        """Requests attempted so far (each page and each retry counts)."""
        self.usage_scope: UsageScope | None = None
        """The business objects and types this client's calls are charged to (set by the
        adapter); usage reported for any other object never pauses it."""
        self._token = token
        self._app_secret = app_secret
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(transport=transport, timeout=DEFAULT_TIMEOUT)

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def token(self) -> str:
        """The token this client speaks with (for the few calls that must name it)."""
        return self._token_value()

    def _token_value(self) -> str:
        return self._token() if callable(self._token) else self._token

    def url(self, path: str, *, versioned: bool = True) -> str:
        """The absolute URL of a Graph path (no query)."""
        path = path.lstrip("/")
        if versioned:
            return f"{self.base_url}/{self.version}/{path}"
        return f"{self.base_url}/{path}"

    async def get(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        versioned: bool = True,
        permission: str | None = None,
        token_params: Mapping[str, str] | None = None,
    ) -> GraphResponse:
        """GET a Graph path; raises an ``AdapterError`` subclass on any failure.

        ``token_params`` are the few token-bearing parameters Meta's pages put in the query
        for one endpoint (``input_token`` of ``debug_token``); they are never logged.
        """
        return await self._request(
            "GET", path, params=params, versioned=versioned, hint=permission, secret=token_params
        )

    async def post(
        self,
        path: str,
        json: Mapping[str, Any],
        *,
        permission: str | None = None,
    ) -> GraphResponse:
        """POST a JSON body. A failure after the request may have reached the server raises
        ``OutcomeUnknown``, so the caller reconciles before sending again."""
        return await self._request("POST", path, body=json, hint=permission)

    async def paginate(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        max_pages: int = 50,
        permission: str | None = None,
    ) -> AsyncGenerator[list[Any], None]:
        """Yield each page's ``data`` list (items unchecked), following ``next``.

        The absolute ``next`` URL is never requested (it may embed a token): its cursor is
        re-issued as ``after=``, or, on a time-paged edge, its ``until``/``since``. Stops when
        ``next`` is absent, a cursor repeats, or after ``max_pages`` pages.
        """
        query: dict[str, str | int] = dict(params or {})
        seen: set[str] = set()
        for _ in range(max_pages):
            response = await self.get(path, query, permission=permission)
            data = response.data.get("data")
            if not isinstance(data, list):
                raise Transient("malformed page: no data list")
            yield data
            cursor = next_cursor(response.data)
            if cursor is None:
                return
            if cursor in seen:
                log.warning("pagination of %s stopped: the platform repeated a cursor", path)
                return
            seen.add(cursor)
            query = with_cursor(query, cursor)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        versioned: bool = True,
        hint: str | None = None,
        secret: Mapping[str, str] | None = None,
    ) -> GraphResponse:
        if params and _FORBIDDEN_PARAMS & set(params):
            raise InvalidRequest("tokens travel in the Authorization header, never in a URL")
        is_post = method == "POST"
        token = self._token_value()
        query: dict[str, str | int] = {**(params or {}), **(secret or {})}
        if self._app_secret and "|" not in token:
            # Apps with "Require App Secret" refuse calls without it (secure-requests.md).
            query["appsecret_proof"] = appsecret_proof(token, self._app_secret)
        request = self._client.build_request(
            method,
            self.url(path, versioned=versioned),
            params=query or None,
            json=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
            },
        )
        self.request_count += 1
        log.debug("%s %s", method, "/" + path.lstrip("/"))
        try:
            async with asyncio.timeout(self.deadline):
                status, headers, raw = await self._exchange(request)
        except TimeoutError:
            raise self._lost(is_post, f"no complete answer within {self.deadline:g}s") from None
        except _TooLarge:
            too_big = f"response larger than {self.max_bytes} bytes"
            raise (OutcomeUnknown(too_big) if is_post else AdapterError(too_big)) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached the server: safe to retry even for a POST.
            raise Transient(f"cannot connect ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise self._lost(is_post, f"connection failed ({type(exc).__name__})") from None

        now = self.clock()
        usage = parse_usage(headers, now, self.usage_scope)
        if usage is not None:
            self.usage = usage
        decoded = _decode(raw)
        if status >= 400:
            error = map_graph_error(
                status, decoded, headers, now, permission_hint=hint, usage_scope=self.usage_scope
            )
            if is_post and status >= 500:
                raise OutcomeUnknown(str(error), **error.platform_fields())
            raise error
        if not isinstance(decoded, dict):
            raise self._lost(is_post, "malformed response (not a JSON object)")
        return GraphResponse(status, decoded, headers)

    async def _exchange(self, request: httpx.Request) -> tuple[int, Mapping[str, str], bytes]:
        response = await self._client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise _TooLarge
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > self.max_bytes:
                    raise _TooLarge
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response.status_code, response.headers, b"".join(chunks)

    @staticmethod
    def _lost(is_post: bool, why: str) -> AdapterError:
        return OutcomeUnknown(why) if is_post else Transient(why)


class _TooLarge(Exception):
    pass


def _decode(raw: bytes) -> object:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def appsecret_proof(token: str, app_secret: str) -> str:
    """HMAC-SHA256 of the token keyed with the app secret, as hex."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


# The parameters of a ``next`` link that say where the next page starts ("Paginated
# Results": cursor, time-based and offset paging). Nothing else of the link is re-sent.
_TIME_PAGING = ("until", "since", "offset", "__paging_token")
TIME_CURSOR = "?"
"""Prefix of a cursor that is a time-paging query (``?until=...``) rather than ``after``."""


def next_cursor(page: Mapping[str, Any]) -> str | None:
    """Where the page after this one starts, when it has a ``next`` link, else ``None``.

    An ``after`` cursor as is; on a time-paged edge (``next`` carries ``until``/``since``
    and no cursors) a ``?until=...`` query, which :func:`with_cursor` turns back into
    parameters.
    """
    paging = page.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    if isinstance(cursors, dict) and isinstance(cursors.get("after"), str) and cursors["after"]:
        return str(cursors["after"])
    # Some edges give only the link: take its cursor without ever requesting the link.
    nxt = paging["next"]
    if isinstance(nxt, str):
        query = parse_qs(urlsplit(nxt).query)
        values = query.get("after")
        if values and values[0]:
            return values[0]
        timed = {key: query[key][0] for key in _TIME_PAGING if query.get(key) and query[key][0]}
        if timed:
            return TIME_CURSOR + urlencode(timed)
    return None


def with_cursor(params: Mapping[str, str | int], cursor: str) -> dict[str, str | int]:
    """``params`` set to continue at ``cursor`` (see :func:`next_cursor`)."""
    query: dict[str, str | int] = {
        key: value for key, value in params.items() if key not in ("after", *_TIME_PAGING)
    }
    if cursor.startswith(TIME_CURSOR):
        for key, value in parse_qsl(cursor[len(TIME_CURSOR) :]):
            if key in _TIME_PAGING:
                query[key] = value
    else:
        query["after"] = cursor
    return query
