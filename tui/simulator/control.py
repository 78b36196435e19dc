"""The ``/_sim/`` control API: drive the simulator from tests, demos and the shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.simulator.faults import rule_from_json
from tui.simulator.protocol import SimRequest, SimResponse, graph_time

if TYPE_CHECKING:
    from tui.simulator.core import Simulator


class ControlError(Exception):
    """A bad control request; answered with HTTP 400 and the reason."""


def _reply(status: int, payload: Any) -> SimResponse:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return SimResponse(status, {"Content-Type": "application/json; charset=UTF-8"}, body)


def handle(sim: Simulator, req: SimRequest) -> SimResponse:
    """Answer a control request; never logged, never rate limited, never faulted."""
    parts = [p for p in req.path.split("/") if p][1:]
    try:
        body = json.loads(req.body) if req.body else {}
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return _reply(200, _dispatch(sim, req.method, parts, body, req.base_url))
    except (ControlError, ValueError, TypeError, KeyError) as exc:
        return _reply(400, {"error": {"message": str(exc), "type": "SimulatorControlError"}})


def _dispatch(
    sim: Simulator, method: str, parts: list[str], body: dict[str, Any], base_url: str
) -> Any:
    what = parts[0] if parts else ""
    if (method, what) == ("POST", "inbound"):
        return _inbound(sim, body)
    if (method, what) == ("POST", "faults"):
        rule = rule_from_json(body)
        sim.faults.add(rule)
        return {"armed": len(sim.faults.rules)}
    if (method, what) == ("DELETE", "faults"):
        sim.faults.clear()
        return {"armed": 0}
    if (method, what) == ("POST", "tokens") and len(parts) == 2:
        return sim.control_token(parts[1], body)
    if what == "clock" and method in ("GET", "POST"):
        if method == "POST":
            sim.clock.advance(float(body.get("advance", 0)))
        return {"now": graph_time(sim.clock.now())}
    if what == "requests" and method == "GET":
        return {"data": [r.as_json() for r in sim.requests]}
    if what == "requests" and method == "DELETE":
        sim.requests.clear()
        return {"cleared": True}
    if what == "sent" and method == "GET":
        return {"data": sim.sent}
    if (method, what) == ("POST", "outcome"):
        if body.get("mode", "error_after_delivery") != "error_after_delivery":
            raise ControlError("mode must be error_after_delivery")
        sim.arm_outcome_faults(int(body.get("count", 1)))
        return {"armed": int(body.get("count", 1))}
    if (method, what, parts[1:]) == ("POST", "dashboard", ["token"]):
        return {"access_token": sim.dashboard_token(str(body.get("platform", "messenger")))}
    if (method, what) == ("POST", "config"):
        return sim.configure(body)
    if what == "webhooks" and method in ("GET", "POST"):
        return sim.webhooks.configure(body) if method == "POST" else sim.webhooks.status()
    if (method, what) == ("POST", "edit"):
        return sim.edit(str(body["message_id"]), str(body.get("text", "")))
    if (method, what) == ("POST", "unsend"):
        return sim.unsend(str(body["message_id"]))
    if (method, what) == ("POST", "unreact"):
        return sim.unreact(str(body["account"]), str(body["customer"]))
    if (method, what) == ("POST", "read"):
        return sim.customer_reads(str(body["account"]), str(body["customer"]))
    if (method, what) == ("POST", "reply_elsewhere"):
        return sim.reply_elsewhere(
            str(body["account"]), str(body["customer"]), str(body.get("text", ""))
        )
    if (method, what) == ("POST", "handover"):
        return sim.hand_over(str(body["account"]), str(body["customer"]), str(body["app_id"]))
    if (method, what) == ("GET", "accounts"):
        return {"data": sim.seeded_accounts(base_url.removesuffix("/instagram"))}
    raise ControlError(f"unknown control request: {method} /_sim/{'/'.join(parts)}")


def _inbound(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    account = body.get("account")
    if not isinstance(account, str):
        raise ControlError("inbound needs an account")
    at = None
    stamp = body.get("timestamp")
    if isinstance(stamp, int | float):
        # Webhook-style epoch milliseconds, or seconds when small enough.
        at = datetime.fromtimestamp(stamp / 1000 if stamp > 1e11 else stamp, UTC)
    elif isinstance(stamp, str):
        at = datetime.fromisoformat(stamp.replace("+0000", "+00:00"))
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    if body.get("reaction"):
        return sim.react(account, body.get("customer"), str(body["reaction"]), at=at)
    return sim.inbound(
        account,
        body.get("customer"),
        body.get("text"),
        attachment=body.get("attachment"),
        name=body.get("name"),
        at=at,
    )
