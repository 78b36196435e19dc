"""The one request handler: versions, routing, the error envelope, headers, faults, the log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.simulator import auth, control, device, graph, nodes, send
from tui.simulator.context import Ctx, parse_body
from tui.simulator.protocol import (
    INSTAGRAM_HOST,
    GraphError,
    SimRequest,
    SimResponse,
    dump_json,
    missing_object,
    unknown_path,
)
from tui.simulator.world import IG_PAGE_KEY

if TYPE_CHECKING:
    from tui.simulator.core import Simulator

DEFAULT_VERSION = "v25.0"
OLDEST, NEWEST = 19, 26
_VERSION = re.compile(r"^v\d+(\.\d+)?$")


@dataclass(frozen=True)
class LoggedRequest:
    """One Graph request as the log keeps it: secrets replaced by ``REDACTED``."""

    at: str
    method: str
    host: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    error_code: int | None
    trace_id: str
    bearer: bool
    """Whether the token came in the Authorization header (never logged itself)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "method": self.method,
            "host": self.host,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "status": self.status,
            "error_code": self.error_code,
            "trace_id": self.trace_id,
            "bearer": self.bearer,
        }


def split_version(path: str) -> tuple[str | None, str]:
    """``/v25.0/me`` -> (``v25.0``, ``/me``); unsupported versions are unknown paths."""
    parts = path.split("/", 2)
    if len(parts) > 1 and _VERSION.match(parts[1]):
        match = re.fullmatch(r"v(\d+)\.0", parts[1])
        if not match or not OLDEST <= int(match.group(1)) <= NEWEST:
            raise unknown_path(path)
        return parts[1], "/" + (parts[2] if len(parts) > 2 else "")
    return None, path


def base_headers(req: SimRequest, version: str | None, trace_id: str) -> dict[str, str]:
    name = "instagram-api-version" if req.host == INSTAGRAM_HOST else "Facebook-API-Version"
    return {
        "Content-Type": "application/json; charset=UTF-8",
        name: version or DEFAULT_VERSION,
        "X-FB-Trace-ID": trace_id,
        "X-FB-Rev": "1029384756",
        "Cache-Control": "private, no-cache, no-store, must-revalidate",
        "Pragma": "no-cache",
        "Expires": "Sat, 01 Jan 2000 00:00:00 GMT",
        "Access-Control-Allow-Origin": "*",
    }


async def handle(sim: Simulator, req: SimRequest) -> SimResponse:
    """Answer one request exactly as Meta would (or as the armed faults say)."""
    if req.path == "/_sim/device" or req.path.startswith("/_sim/device/"):
        return device.control(sim, req)
    if req.path == "/_sim" or req.path.startswith("/_sim/"):
        return control.handle(sim, req)
    trace_id = sim.next_trace_id()
    version: str | None = None
    ctx = Ctx(sim, req, None, req.path)
    try:
        version, path = split_version(req.path)
    except GraphError:
        path = req.path
    rule = sim.faults.take(req.method, req.host, (req.path, path), tuple(req.query))
    headers = base_headers(req, version, trace_id)
    directive = rule.directive if rule else None
    error_code: int | None = None
    if rule is not None and rule.body is not None:
        headers.update(rule.headers or {})
        response = SimResponse(rule.status or 200, headers, rule.body.encode(), directive)
        sim.log(req, response, None, trace_id)
        return response
    try:
        version, path = split_version(req.path)
        ctx = Ctx(sim, req, version, path)
        if rule is not None and rule.status:
            raise rule.graph_error()
        ctx.headers.update(sim.limits.app_call("instagram" if ctx.on_instagram else "facebook"))
        if req.method in ("POST", "DELETE"):
            ctx.body = parse_body(req)
        status, payload = 200, route(ctx)
    except GraphError as exc:
        status, payload = exc.status, exc.envelope(req.host, trace_id)
        ctx.headers.update(exc.headers)
        error_code = exc.code
    headers.update(ctx.headers)
    response = SimResponse(status, headers, dump_json(payload), directive)
    sim.log(req, response, error_code, trace_id)
    return response


def route(ctx: Ctx) -> Any:
    """Pick the Graph route for a path; unknown shapes are Meta's 2500."""
    parts = [p for p in ctx.path.split("/") if p]
    method = ctx.req.method
    auth.check_proof(ctx)
    table = _INSTAGRAM_ROUTES if ctx.on_instagram else _FACEBOOK_ROUTES
    if len(parts) == 1 and (method, parts[0]) in table:
        return table[(method, parts[0])](ctx)
    if parts[:1] == ["oauth"] and parts[1:] == ["access_token"] and not ctx.on_instagram:
        return auth.oauth_access_token(ctx)
    if method == "POST" and parts[:1] == ["device"] and len(parts) == 2 and not ctx.on_instagram:
        if parts[1] == "login":
            return device.device_login(ctx)
        if parts[1] == "login_status":
            return device.device_login_status(ctx)
    if method == "GET" and len(parts) == 2 and parts[0] == "me" and parts[1] in _ME_EDGES:
        return _ME_EDGES[parts[1]](ctx)
    if len(parts) == 2 and parts[1] == "subscribed_apps" and method in ("GET", "POST"):
        return subscribed_apps(ctx, parts[0])
    if len(parts) == 2 and parts[1] == "conversations" and method == "GET":
        return graph.list_conversations(ctx, parts[0])
    if len(parts) == 2 and parts[1] == "messages" and method == "POST":
        return send.send(ctx, parts[0])
    if len(parts) == 2 and parts[1] == "messages" and method == "GET":
        inbox, conv, msg = graph.find_visible(ctx, parts[0])
        if conv is None or msg is not None:
            raise unknown_path(ctx.path)
        return graph.conversation_messages(ctx, conv, inbox)
    if len(parts) == 1:
        return _node(ctx, parts[0])
    raise unknown_path(ctx.path)


def subscribed_apps(ctx: Ctx, target: str) -> Any:
    """``GET|POST /{page-id}/subscribed_apps`` (and ``/me`` on Instagram Login): which
    apps receive the account's webhooks and for which fields (what ``/_sim/webhooks``
    subscribed). POST subscribes ``subscribed_fields`` and answers ``{"success": true}``."""
    token = ctx.require_token()
    inboxes = ctx.inboxes(token)
    owners = {i.owner_id for i in inboxes} | {i.page_id for i in inboxes if i.page_id}
    if target != "me" and target not in owners:
        raise missing_object(target, ctx.req.method)
    emitter = ctx.sim.webhooks
    if ctx.req.method == "POST":
        fields = (ctx.param("subscribed_fields") or "").split(",")
        emitter.subscribed_fields = [f for f in fields if f]
        return {"success": True}
    if not emitter.subscribed_fields:
        return {"data": []}
    world = ctx.sim.world
    return {
        "data": [
            {
                "category": "Business",
                "link": "https://linkdeck.example/",
                "name": "Linkdeck",
                "id": world.app_id,
                "subscribed_fields": list(emitter.subscribed_fields),
            }
        ]
    }


def _node(ctx: Ctx, object_id: str) -> Any:
    if ctx.req.method != "GET":
        raise missing_object(object_id, ctx.req.method)
    world = ctx.sim.world
    if not ctx.on_instagram and object_id == world.page_id:
        return nodes.page_node(ctx)
    if not ctx.on_instagram and object_id == world.ig_page_id:
        return nodes.ig_user_node(ctx, world.inboxes[IG_PAGE_KEY])
    if ctx.on_instagram and object_id == world.ig_login_id:
        ctx.require_token()
        return nodes.me(ctx)
    token = ctx.require_token()
    if not ctx.on_instagram and object_id == token.user_id and token.type == "USER":
        return nodes.me(ctx)
    found = nodes.find_customer(ctx, object_id)
    if found is not None:
        return nodes.profile_node(ctx, *found)
    inbox, conv, msg = graph.find_visible(ctx, object_id)
    assert conv is not None
    if msg is not None:
        return graph.message_node(ctx, conv, msg, inbox)
    return graph.conversation_node(ctx, conv, inbox)


Route = Callable[[Ctx], Any]
_FACEBOOK_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "me"): nodes.me,
    ("GET", "debug_token"): auth.debug_token,
}
_ME_EDGES: dict[str, Route] = {"permissions": auth.permissions, "accounts": auth.accounts}
_INSTAGRAM_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "me"): nodes.me,
    ("GET", "access_token"): auth.ig_exchange,
    ("GET", "refresh_access_token"): auth.ig_refresh,
    ("POST", "refresh_access_token"): auth.ig_refresh,
}
