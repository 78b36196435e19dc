"""Read routes for the nodes around the inbox: the Page, Instagram accounts, people, ``/me``."""

from __future__ import annotations

from typing import Any

from tui.simulator import texts
from tui.simulator.context import Ctx
from tui.simulator.fields import FieldSpec, check_known, parse_fields, select
from tui.simulator.protocol import GraphError, missing_object
from tui.simulator.tokens import Token
from tui.simulator.world import IG_LOGIN_KEY, IG_PAGE_KEY, MESSENGER, Customer, Inbox

PAGE_FIELDS = frozenset(
    {
        "id",
        "name",
        "category",
        "category_list",
        "access_token",
        "tasks",
        "link",
        "instagram_business_account",
        "connected_instagram_account",
        "username",
    }
)
IG_USER_FIELDS = frozenset(
    {
        "id",
        "user_id",
        "username",
        "name",
        "account_type",
        "profile_picture_url",
        "followers_count",
        "media_count",
    }
)
MESSENGER_PROFILE_FIELDS = frozenset({"id", "name", "first_name", "last_name", "profile_pic"})
IG_PROFILE_FIELDS = frozenset(
    {
        "id",
        "name",
        "username",
        "profile_pic",
        "is_verified_user",
        "follower_count",
        "is_user_follow_business",
        "is_business_follow_user",
    }
)


def _render(
    ctx: Ctx, values: dict[str, Any], known: frozenset[str], node: str, default: list[str]
) -> dict[str, Any]:
    specs = parse_fields(ctx.param("fields")) or [FieldSpec(n) for n in default]
    check_known(specs, known, node)
    out = {s.name: select(values[s.name], s.sub) for s in specs if s.name in values}
    out.setdefault("id", values["id"])
    return out


def page_values(ctx: Ctx, token: Token) -> dict[str, Any]:
    """Everything the Page node can show to ``token``."""
    world = ctx.sim.world
    ig = world.inboxes[IG_PAGE_KEY]
    linked = {"id": ig.owner_id, "username": ig.owner_username}
    values: dict[str, Any] = {
        "id": world.page_id,
        "name": texts.PAGE_NAME,
        "category": texts.PAGE_CATEGORY,
        "category_list": [{"id": texts.PAGE_CATEGORY_ID, "name": texts.PAGE_CATEGORY}],
        "tasks": ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"],
        "link": f"https://www.facebook.com/{world.page_id}",
        "instagram_business_account": linked,
        "connected_instagram_account": linked,
    }
    if token.type == "PAGE":
        values["access_token"] = token.value
    elif token.type == "USER" and "pages_show_list" in token.scopes:
        values["access_token"] = ctx.sim.page_token()
    return values


def page_node(ctx: Ctx) -> dict[str, Any]:
    token = ctx.require_token()
    if token.type not in ("PAGE", "USER"):
        raise missing_object(ctx.sim.world.page_id)
    return _render(ctx, page_values(ctx, token), PAGE_FIELDS, "Page", ["name", "id"])


def ig_user_values(inbox: Inbox, app_scoped_id: str | None = None) -> dict[str, Any]:
    return {
        "id": app_scoped_id or inbox.owner_id,
        "user_id": inbox.owner_id,
        "username": inbox.owner_username,
        "name": inbox.owner_name,
        "account_type": "Business",
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/{inbox.owner_id}.jpg",
        "followers_count": 1873,
        "media_count": 214,
    }


def ig_user_node(ctx: Ctx, inbox: Inbox) -> dict[str, Any]:
    """An Instagram professional account seen from graph.facebook.com."""
    ctx.require_token()
    values = ig_user_values(inbox)
    return _render(ctx, values, IG_USER_FIELDS - {"user_id"}, "IGUser", ["id"])


def me(ctx: Ctx) -> dict[str, Any]:
    """``GET /me``: the user, the Page (Page token) or the Instagram account (IG host)."""
    token = ctx.require_token()
    world = ctx.sim.world
    if ctx.on_instagram:
        inbox = world.inboxes[IG_LOGIN_KEY]
        values = ig_user_values(inbox, world.ig_login_app_scoped_id)
        return _render(ctx, values, IG_USER_FIELDS, "IGUser", ["id"])
    if token.type == "PAGE":
        return page_node(ctx)
    if token.type == "USER":
        values = {"id": token.user_id, "name": texts.USER_NAME}
        return _render(ctx, values, frozenset({"id", "name"}), "User", ["name", "id"])
    raise GraphError(
        2500, "An active access token must be used to query information about the current user."
    )


def profile_node(ctx: Ctx, inbox: Inbox, customer: Customer) -> dict[str, Any]:
    """The User Profile API for a PSID or an IGSID."""
    ctx.require_token()
    first, _, last = customer.name.partition(" ")
    if inbox.platform == MESSENGER:
        values: dict[str, Any] = {
            "id": customer.id,
            "name": customer.name,
            "first_name": first,
            "last_name": last,
            "profile_pic": customer.profile_pic,
        }
        return _render(
            ctx,
            values,
            MESSENGER_PROFILE_FIELDS,
            "User",
            ["first_name", "last_name", "profile_pic", "id"],
        )
    values = {
        "id": customer.id,
        "name": customer.name,
        "username": customer.username,
        "profile_pic": customer.profile_pic,
        "is_verified_user": False,
        "follower_count": 100 + int(customer.id[-3:]),
        "is_user_follow_business": True,
        "is_business_follow_user": False,
    }
    return _render(ctx, values, IG_PROFILE_FIELDS, "User", ["name", "username", "id"])


def find_customer(ctx: Ctx, object_id: str) -> tuple[Inbox, Customer] | None:
    """A customer the caller's token may look up."""
    token = ctx.require_token()
    for inbox in ctx.inboxes(token):
        if object_id in inbox.customers:
            return inbox, inbox.customers[object_id]
    return None
