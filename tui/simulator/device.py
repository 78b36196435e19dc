"""Facebook's device login flow for terminals, and a control endpoint that plays the phone."""

from __future__ import annotations

import json
import random
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.simulator.context import Ctx
from tui.simulator.protocol import GraphError, SimRequest, SimResponse, invalid_param
from tui.simulator.tokens import LONG_LIVED_SECONDS, PAGE_SCOPES, Token

if TYPE_CHECKING:
    from tui.simulator.core import Simulator

CODE_LIFETIME = 420
"""Seconds a device code stays usable, as Facebook answers."""
POLL_INTERVAL = 5
VERIFICATION_URI = "https://www.facebook.com/device"
PENDING, SLOW_DOWN, EXPIRED = 1349174, 1349172, 1349152
"""The ``error_subcode`` values of code 31 that ``device/login_status`` answers with."""
CLIENT_TOKEN = "simulator-client-token"
_USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class DeviceLogin:
    """One device code and what the person on the phone did with it."""

    code: str
    user_code: str
    requested: list[str]
    expires_at: float
    last_poll: float | None = None
    approved: bool | None = None
    """``None`` while waiting, ``True`` once approved, ``False`` once declined."""
    scopes: list[str] = field(default_factory=list)
    token: str | None = None


@dataclass
class DeviceBook:
    """The device logins of one simulator."""

    rng: random.Random
    logins: dict[str, DeviceLogin] = field(default_factory=dict)
    """By ``code``."""

    def by_user_code(self, user_code: str) -> DeviceLogin | None:
        wanted = user_code.strip().upper()
        return next((d for d in self.logins.values() if d.user_code == wanted), None)


_BOOKS: weakref.WeakKeyDictionary[Simulator, DeviceBook] = weakref.WeakKeyDictionary()


def book(sim: Simulator) -> DeviceBook:
    """The device logins ``sim`` has handed out (created on first use)."""
    found = _BOOKS.get(sim)
    if found is None:
        found = DeviceBook(random.Random(sim.seed * 6151 + 3))
        _BOOKS[sim] = found
    return found


def _require_client(ctx: Ctx) -> None:
    """Device login is called with a client token, ``{app-id}|{client-token}``."""
    value = ctx.token_value() or ""
    app_id, sep, client_token = value.partition("|")
    if not sep or not client_token or app_id != ctx.sim.world.app_id:
        raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")


def device_login(ctx: Ctx) -> dict[str, Any]:
    """``POST /device/login``: a fresh code pair for the terminal to show."""
    _require_client(ctx)
    requested = [s.strip() for s in (ctx.param("scope") or "").split(",") if s.strip()]
    logins = book(ctx.sim)
    code = "".join(logins.rng.choice("0123456789abcdef") for _ in range(32))
    user_code = "".join(logins.rng.choice(_USER_CODE_ALPHABET) for _ in range(8))
    now = ctx.sim.clock.timestamp()
    logins.logins[code] = DeviceLogin(code, user_code, requested, now + CODE_LIFETIME)
    return {
        "code": code,
        "user_code": user_code,
        "verification_uri": VERIFICATION_URI,
        "expires_in": CODE_LIFETIME,
        "interval": POLL_INTERVAL,
    }


def _status_error(subcode: int, message: str) -> GraphError:
    return GraphError(31, message, subcode=subcode, type="OAuthException")


def device_login_status(ctx: Ctx) -> dict[str, Any]:
    """``POST /device/login_status``: pending, slow down, expired, or the user's token."""
    _require_client(ctx)
    code = ctx.param("code")
    if not code:
        raise invalid_param("The parameter code is required")
    login = book(ctx.sim).logins.get(code)
    now = ctx.sim.clock.timestamp()
    if login is None or now >= login.expires_at or login.approved is False:
        raise _status_error(EXPIRED, "This request requires the user to take a pending action")
    if login.approved and login.token:
        return {
            "access_token": login.token,
            "expires_in": LONG_LIVED_SECONDS,
            "data_access_expires_at": int(now) + 90 * 86400,
        }
    too_soon = login.last_poll is not None and now - login.last_poll < POLL_INTERVAL
    login.last_poll = now
    if too_soon:
        raise _status_error(SLOW_DOWN, "User request limit reached")
    raise _status_error(PENDING, "User has not yet authorized your application")


def _approve(sim: Simulator, login: DeviceLogin, scopes: list[str] | None) -> None:
    granted = [s for s in (scopes if scopes is not None else login.requested or PAGE_SCOPES)]
    now = int(sim.clock.timestamp())
    world = sim.world
    token = sim.tokens.add(
        Token(
            value=world.ids.token("EAA"),
            type="USER",
            app_id=world.app_id,
            user_id=world.user_id,
            scopes=granted,
            declined=[s for s in login.requested if s not in granted],
            issued_at=now,
            expires_at=now + LONG_LIVED_SECONDS,
            data_access_expires_at=now + 90 * 86400,
            long_lived=True,
        )
    )
    login.approved, login.scopes, login.token = True, granted, token.value


def control(sim: Simulator, req: SimRequest) -> SimResponse:
    """``POST /_sim/device/{user_code}`` ``{approve: bool, scopes: [...]}``: the phone's answer.

    ``GET /_sim/device`` tells the simulator's app id, client token and app secret.

    Approving issues a 60-day user token with ``scopes`` (default: what was asked for);
    declining makes the code answer "expired", as an abandoned login does.
    """
    parts = [p for p in req.path.split("/") if p]
    if req.method == "GET" and len(parts) == 2:
        # The simulator's own app, so that a wizard pointed at it can sign in.
        world = sim.world
        app = {
            "app_id": world.app_id,
            "client_token": CLIENT_TOKEN,
            "app_secret": world.app_secret,
            "ig_app_id": world.ig_app_id,
            "ig_app_secret": world.ig_app_secret,
        }
        return SimResponse(200, {"Content-Type": "application/json"}, json.dumps(app).encode())
    try:
        body = json.loads(req.body) if req.body else {}
        if req.method != "POST" or len(parts) != 3 or not isinstance(body, dict):
            raise ValueError("use POST /_sim/device/{user_code} with a JSON object")
        login = book(sim).by_user_code(parts[2])
        if login is None:
            raise KeyError(f"no device login with user code {parts[2]!r}")
        scopes = body.get("scopes")
        if scopes is not None and not isinstance(scopes, list):
            raise ValueError("scopes must be a list of permission names")
        if body.get("approve", True):
            _approve(sim, login, [str(s) for s in scopes] if scopes is not None else None)
        else:
            login.approved = False
        payload: Any = {"user_code": login.user_code, "approved": login.approved}
        status = 200
    except (ValueError, KeyError) as exc:
        payload = {"error": {"message": str(exc), "type": "SimulatorControlError"}}
        status = 400
    body_bytes = json.dumps(payload).encode()
    return SimResponse(status, {"Content-Type": "application/json; charset=UTF-8"}, body_bytes)
