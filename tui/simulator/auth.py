"""Token routes: debug_token, permissions, Pages of a user, long-lived exchange, IG refresh."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from tui.simulator.context import Ctx
from tui.simulator.fields import FieldSpec, check_known, parse_fields, select
from tui.simulator.nodes import PAGE_FIELDS, page_values
from tui.simulator.protocol import GraphError, invalid_param
from tui.simulator.tokens import LONG_LIVED_SECONDS, REFRESH_MIN_AGE


def debug_token(ctx: Ctx) -> dict[str, Any]:
    """``GET /debug_token?input_token=...`` with an app token or a developer's user token."""
    token = ctx.require_token()
    if token.type not in ("APP", "USER"):
        raise invalid_param(
            "You must provide an app access token, or a user access token that is an owner or "
            "developer of the app"
        )
    input_token = ctx.param("input_token")
    if not input_token:
        raise invalid_param("The parameter input_token is required")
    return {"data": ctx.sim.tokens.debug_info(input_token)}


def permissions(ctx: Ctx) -> dict[str, Any]:
    """``GET /me/permissions``: granted and declined scopes of the caller's token."""
    token = ctx.require_token()
    rows = [{"permission": p, "status": "granted"} for p in token.scopes]
    rows += [{"permission": p, "status": "declined"} for p in token.declined]
    return {"data": rows}


def accounts(ctx: Ctx) -> dict[str, Any]:
    """``GET /me/accounts``: the Pages a user token manages, with their Page tokens."""
    token = ctx.require_token()
    if token.type != "USER":
        raise GraphError(
            100, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
        )
    if "pages_show_list" not in token.scopes or ctx.sim.business_pages:
        # Pages of a business portfolio granted one by one are not listed here.
        return {"data": []}
    default = ["access_token", "category", "category_list", "name", "id", "tasks"]
    specs = parse_fields(ctx.param("fields")) or [FieldSpec(n) for n in default]
    check_known(specs, PAGE_FIELDS, "Page")
    values = page_values(ctx, token)
    row = {s.name: select(values[s.name], s.sub) for s in specs if s.name in values}
    row.setdefault("id", values["id"])
    from tui.simulator.paging import encode_cursor

    cursor = encode_cursor(values["id"])
    return {"data": [row], "paging": {"cursors": {"before": cursor, "after": cursor}}}


def _check_client(ctx: Ctx, *, instagram: bool, need_id: bool) -> None:
    """The app's own id and secret: Facebook's on Facebook exchanges, the Instagram app's
    on Instagram ones (a lenient simulator accepts either secret)."""
    world = ctx.sim.world
    app_id, secret = (
        (world.ig_app_id, world.ig_app_secret) if instagram else (world.app_id, world.app_secret)
    )
    if need_id and ctx.param("client_id") != app_id:
        raise GraphError(101, "Error validating application. Invalid application ID.")
    accepted = {secret} if ctx.sim.strict else {world.app_secret, world.ig_app_secret}
    if ctx.param("client_secret") not in accepted:
        raise GraphError(1, "Error validating client secret.")


PROOF_MISSING = "API calls from the server require an appsecret_proof argument"
PROOF_INVALID = "Invalid appsecret_proof provided in the API argument"


def check_proof(ctx: Ctx) -> None:
    """``appsecret_proof``: HMAC-SHA256 of the token keyed with the issuing app's secret.

    A wrong proof is always refused; a missing one only when the app has "Require App
    Secret" on (strict mode). Client and app tokens (``id|secret``) carry none.
    """
    value = ctx.token_value()
    if not value or "|" in value:
        return
    token = ctx.sim.tokens.get(value)
    secret = ctx.sim.app_secret_for(token.app_id) if token is not None else None
    proof = ctx.param("appsecret_proof")
    if proof is None:
        if ctx.sim.strict and ctx.sim.require_app_secret:
            raise GraphError(100, PROOF_MISSING, type="GraphMethodException")
        return
    expected = hmac.new((secret or "").encode(), value.encode(), hashlib.sha256).hexdigest()
    if secret is None or not hmac.compare_digest(proof, expected):
        raise GraphError(100, PROOF_INVALID, type="GraphMethodException")


def _grant(token_value: str, lifetime: int) -> dict[str, Any]:
    return {"access_token": token_value, "token_type": "bearer", "expires_in": lifetime}


def oauth_access_token(ctx: Ctx) -> dict[str, Any]:
    """``GET /oauth/access_token``: a short-lived user token becomes a 60-day one."""
    grant = ctx.param("grant_type")
    world, tokens = ctx.sim.world, ctx.sim.tokens
    if grant == "client_credentials":
        _check_client(ctx, instagram=False, need_id=True)
        return {"access_token": world.tokens["app"], "token_type": "bearer"}
    if grant != "fb_exchange_token":
        raise invalid_param("Unsupported grant_type")
    _check_client(ctx, instagram=False, need_id=True)
    short = tokens.check(ctx.param("fb_exchange_token"), ctx.host)
    if short.type != "USER":
        raise invalid_param("fb_exchange_token must be a user access token")
    fresh = tokens.issue(
        short, world.ids.token("EAA"), lifetime=LONG_LIVED_SECONDS, long_lived=True
    )
    return _grant(fresh.value, LONG_LIVED_SECONDS)


def ig_exchange(ctx: Ctx) -> dict[str, Any]:
    """``GET graph.instagram.com/access_token?grant_type=ig_exchange_token``."""
    if ctx.param("grant_type") != "ig_exchange_token":
        raise invalid_param("Unsupported grant_type")
    _check_client(ctx, instagram=True, need_id=False)
    short = ctx.require_token()
    if short.long_lived:
        raise invalid_param("The access token is already a long-lived token")
    tokens, world = ctx.sim.tokens, ctx.sim.world
    fresh = tokens.issue(
        short, world.ids.token("IGAA"), lifetime=LONG_LIVED_SECONDS, long_lived=True
    )
    return _grant(fresh.value, LONG_LIVED_SECONDS)


def ig_refresh(ctx: Ctx) -> dict[str, Any]:
    """``GET graph.instagram.com/refresh_access_token``: GET only, 24 h old, not expired."""
    if ctx.req.method != "GET":
        raise invalid_param(f"Unsupported request - method type: {ctx.req.method.lower()}")
    if ctx.param("grant_type") != "ig_refresh_token":
        raise invalid_param("Unsupported grant_type")
    token = ctx.require_token()
    age = ctx.sim.clock.timestamp() - token.issued_at
    if not token.long_lived or age < REFRESH_MIN_AGE:
        raise invalid_param(
            "The access token can only be refreshed when it is long-lived and at least 24 hours old"
        )
    fresh = ctx.sim.tokens.issue(
        token, ctx.sim.world.ids.token("IGAA"), lifetime=LONG_LIVED_SECONDS, long_lived=True
    )
    return _grant(fresh.value, LONG_LIVED_SECONDS)
