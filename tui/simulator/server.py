"""The loopback server (a small asyncio HTTP/1.1 server) and ``linkdeck simulate``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
import signal
from collections.abc import AsyncIterator
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

from tui.simulator.clock import SimClock
from tui.simulator.core import Simulator
from tui.simulator.protocol import (
    FACEBOOK_HOST,
    INSTAGRAM_HOST,
    INSTAGRAM_PREFIX,
    SimRequest,
    SimResponse,
)

MAX_HEADER_LINES = 100
MAX_BODY = 8 * 1024 * 1024


class _BadRequest(Exception):
    pass


async def _read_request(reader: asyncio.StreamReader, authority: str) -> SimRequest | None:
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode("latin-1").strip().split(" ", 2)
    except ValueError:
        raise _BadRequest from None
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    else:
        raise _BadRequest
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    elif headers.get("content-length"):
        length = int(headers["content-length"])
        if length > MAX_BODY:
            raise _BadRequest
        body = await reader.readexactly(length)
    raw_path, _, query = target.partition("?")
    path = unquote(raw_path)
    base = f"http://{headers.get('host', authority)}"
    host = FACEBOOK_HOST
    if path == INSTAGRAM_PREFIX or path.startswith(INSTAGRAM_PREFIX + "/"):
        path = path[len(INSTAGRAM_PREFIX) :] or "/"
        base += INSTAGRAM_PREFIX
        host = INSTAGRAM_HOST
    return SimRequest(
        method=method.upper(),
        host=host,
        path=path,
        query=parse_qsl(query, keep_blank_values=True),
        headers=headers,
        body=body,
        base_url=base,
    )


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()


def _head(resp: SimResponse, keep_alive: bool) -> bytes:
    try:
        phrase = HTTPStatus(resp.status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {resp.status} {phrase}"]
    lines += [f"{k}: {v}" for k, v in resp.headers.items() if k.lower() != "content-length"]
    lines.append(f"Content-Length: {len(resp.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write(writer: asyncio.StreamWriter, resp: SimResponse, keep_alive: bool) -> bool:
    """Send one response; ``False`` when the connection must close afterwards."""
    fault = resp.fault
    if fault and fault.drop:
        return False
    if fault and fault.delay:
        await asyncio.sleep(fault.delay)
    writer.write(_head(resp, keep_alive))
    body = resp.body
    cut = fault is not None and fault.truncate_after is not None
    if cut and fault is not None and fault.truncate_after is not None:
        body = body[: fault.truncate_after]
    rate = fault.drip_bytes_per_second if fault else None
    if rate:
        chunk = max(1, rate // 10)
        for start in range(0, len(body), chunk):
            await writer.drain()
            await asyncio.sleep(chunk / rate)
            writer.write(body[start : start + chunk])
    else:
        writer.write(body)
    await writer.drain()
    return keep_alive and not cut


@contextlib.asynccontextmanager
async def serve(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve ``sim`` on loopback for the duration of the block; yields the base URL."""
    connections: set[asyncio.Task[None]] = set()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            connections.add(task)
        authority = f"{host}:{bound}"
        try:
            while True:
                try:
                    req = await _read_request(reader, authority)
                except (_BadRequest, ValueError):
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    break
                if req is None:
                    break
                keep_alive = req.headers.get("connection", "").lower() != "close"
                resp = await sim.handle(req)
                if not await _write(writer, resp, keep_alive):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only the server's own shutdown cancels a connection; ending quietly keeps
            # asyncio from logging an idle keep-alive socket as an error.
            pass
        finally:
            if task is not None:
                connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(client, host, port)
    bound = server.sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        await server.wait_closed()


async def simulate(args: argparse.Namespace) -> int:
    sim = Simulator(args.seed, clock=SimClock.live())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(sim, args.host, args.port) as base_url:
        print(f"listening on {base_url}", flush=True)
        if args.write_config is not None:
            config = sim.write_config(args.write_config, base_url)
            print(f"wrote {config}", flush=True)
            print(f"wrote {config.with_name('secrets.toml')} (mode 0600)", flush=True)
            # A hint is followed as printed: the data goes to a folder beside the
            # simulated config, never into the user's real store.
            data = shlex.quote(str(config.parent / "data"))
            sync = f"linkdeck sync --once --config {shlex.quote(str(config))} --data-dir {data}"
            print(f"try: {sync} && linkdeck export --data-dir {data}", flush=True)
        traffic = None
        if getattr(args, "traffic", False):
            traffic = asyncio.create_task(sim.traffic(stop=stop))
        await stop.wait()
        if traffic is not None:
            await traffic
    print("simulator stopped", flush=True)
    return 0
