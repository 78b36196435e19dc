"""The Instagram adapter, over either of Meta's two Instagram messaging APIs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from tui.adapters.errors import AdapterError, PermissionMissing
from tui.adapters.graph import GraphClient
from tui.adapters.mapping import safe_id, text_field
from tui.adapters.meta import GraphAdapter
from tui.adapters.usage import usage_scope
from tui.domain import Account, InstagramApi, Platform

IG_RECENT_DETAIL_LIMIT = 20
"""Instagram gives message details only for a conversation's 20 most recent messages."""


class InstagramAdapter(GraphAdapter):
    """Instagram DMs: via the linked Page (graph.facebook.com) or with Instagram Login
    (graph.instagram.com), chosen by ``account.api``."""

    platform: ClassVar[Platform] = Platform.INSTAGRAM
    recent_limit: ClassVar[int] = IG_RECENT_DETAIL_LIMIT
    detail_limited: ClassVar[bool] = True

    PAGE_PERMISSIONS: ClassVar[dict[str, str]] = {
        "instagram_basic": "cannot reach the Instagram account",
        "instagram_manage_messages": "cannot read or answer messages",
        "pages_manage_metadata": "cannot list conversations",
    }
    LOGIN_PERMISSIONS: ClassVar[dict[str, str]] = {
        "instagram_business_basic": "cannot reach the Instagram account or refresh its token",
        "instagram_business_manage_messages": "cannot read or answer messages",
    }

    def __init__(self, account: Account, client: GraphClient) -> None:
        super().__init__(account, client)
        self.via_login = account.api is InstagramApi.INSTAGRAM_LOGIN
        if self.via_login:
            self.required_permissions = dict(self.LOGIN_PERMISSIONS)
            self.send_permission = "instagram_business_manage_messages"
            self.token_type = "INSTAGRAM"
        else:
            self.required_permissions = dict(self.PAGE_PERMISSIONS)
            self.send_permission = "instagram_manage_messages"
        self.read_permission = self.send_permission
        # Instagram calls are charged to the Instagram account (and, via a Page, to that
        # Page) as the "instagram" use case: a Messenger budget on the same Page is not ours.
        client.usage_scope = usage_scope([account.ig_user_id, account.page_id], ("instagram",))

    def conversations_path(self) -> str:
        return "me/conversations" if self.via_login else super().conversations_path()

    def send_path(self) -> str:
        if self.via_login:
            return (
                f"{self.account.ig_user_id}/messages" if self.account.ig_user_id else "me/messages"
            )
        return super().send_path()

    def send_extra(self) -> dict[str, Any]:
        # Instagram Login's send API takes no messaging_type except with a tag.
        return {} if self.via_login else super().send_extra()

    async def identity(self) -> tuple[str, str, str | None]:
        expected = self.account.ig_user_id
        if self.via_login:
            response = await self.client.get("me", {"fields": "user_id,username"})
            name = text_field(response.data, "username")
            owner_id = text_field(response.data, "user_id") or text_field(response.data, "id")
        else:
            page_name, page_id, problem = await super().identity()
            if problem:
                return page_name, page_id, problem
            response = await self.client.get(
                page_id or str(self.account.page_id),
                {"fields": "id,name,instagram_business_account{id,username}"},
            )
            linked = response.data.get("instagram_business_account")
            if not isinstance(linked, dict):
                return page_name, page_id, "the Page has no linked Instagram account"
            name, owner_id = text_field(linked, "username"), text_field(linked, "id")
        if expected and owner_id != expected:
            return (
                name,
                owner_id,
                f"the token is for {safe_id(owner_id)}, not {expected}",
            )
        return name, owner_id, None

    async def granted_permissions(self) -> frozenset[str]:
        if not self.via_login:
            return await super().granted_permissions()
        # graph.instagram.com has no permissions listing: the identity call proved the basic
        # scope, and one conversation read proves (or disproves) the messaging one.
        granted = {"instagram_business_basic"}
        try:
            await self.client.get("me/conversations", {"platform": "instagram", "limit": 1})
            granted.add("instagram_business_manage_messages")
        except PermissionMissing:
            pass
        return frozenset(granted)

    async def refresh_token(self) -> tuple[str, datetime | None] | None:
        """A new long-lived Instagram Login token (the old one must be at least 24 h old)."""
        if not self.via_login:
            return None
        # Meta's page puts the token in the query string of this one endpoint
        # (instagram-api-with-instagram-login/messaging-api.md, "Refresh a long-lived token").
        response = await self.client.get(
            "refresh_access_token",
            {"grant_type": "ig_refresh_token"},
            versioned=False,
            token_params={"access_token": self.client.token()},
        )
        token = response.data.get("access_token")
        if not isinstance(token, str) or not token:
            raise AdapterError("the token refresh answered without a token")
        seconds = response.data.get("expires_in")
        expires_at = None
        if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
            expires_at = self.client.clock() + timedelta(seconds=seconds)
        return token, expires_at
