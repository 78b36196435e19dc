"""The in-process server: an httpx transport that calls the simulator's handler directly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx

from tui.simulator.protocol import (
    FACEBOOK_HOST,
    INSTAGRAM_HOST,
    INSTAGRAM_PREFIX,
    FaultDirective,
    SimRequest,
)

if TYPE_CHECKING:
    from tui.simulator.core import Simulator


def to_sim_request(request: httpx.Request, body: bytes) -> SimRequest:
    """Map an httpx request: the URL's host, or an ``/instagram`` path prefix, picks the host."""
    url = request.url
    path = url.path
    base = f"{url.scheme}://{url.netloc.decode('ascii')}"
    host = INSTAGRAM_HOST if url.host == INSTAGRAM_HOST else FACEBOOK_HOST
    if path == INSTAGRAM_PREFIX or path.startswith(INSTAGRAM_PREFIX + "/"):
        path = path[len(INSTAGRAM_PREFIX) :] or "/"
        base += INSTAGRAM_PREFIX
        host = INSTAGRAM_HOST
    return SimRequest(
        method=request.method,
        host=host,
        path=path,
        query=parse_qsl(url.query.decode("ascii"), keep_blank_values=True),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        base_url=base,
    )


class _FaultyStream(httpx.AsyncByteStream):
    """A body that drips, or stops short the way a cut connection does."""

    def __init__(
        self, body: bytes, fault: FaultDirective, request: httpx.Request, read_timeout: float | None
    ) -> None:
        self.body, self.fault, self.request, self.read_timeout = body, fault, request, read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        limit = self.fault.truncate_after
        body = self.body if limit is None else self.body[:limit]
        rate = self.fault.drip_bytes_per_second
        if rate:
            chunk = max(1, rate // 10)
            pause = chunk / rate
            if self.read_timeout is not None and pause > self.read_timeout:
                await asyncio.sleep(self.read_timeout)
                raise httpx.ReadTimeout("timed out while reading the body", request=self.request)
            for start in range(0, len(body), chunk):
                await asyncio.sleep(pause)
                yield body[start : start + chunk]
        elif body:
            yield body
        if limit is not None and limit < len(self.body):
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body: "
                f"received {limit} bytes, expected {len(self.body)}",
                request=self.request,
            )


class SimTransport(httpx.AsyncBaseTransport):
    """Serves a :class:`Simulator` inside the process, faults included."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        resp = await self.sim.handle(to_sim_request(request, body))
        timeout = request.extensions.get("timeout") or {}
        read_timeout = timeout.get("read")
        fault = resp.fault
        headers = dict(resp.headers)
        headers["Content-Length"] = str(len(resp.body))
        if fault is None:
            return httpx.Response(resp.status, headers=headers, content=resp.body, request=request)
        if fault.delay:
            if read_timeout is not None and fault.delay > read_timeout:
                await asyncio.sleep(read_timeout)
                raise httpx.ReadTimeout("timed out waiting for the response", request=request)
            await asyncio.sleep(fault.delay)
        if fault.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        stream = _FaultyStream(resp.body, fault, request, read_timeout)
        return httpx.Response(resp.status, headers=headers, stream=stream, request=request)
