"""Signing in to link an account: device login, token exchange, what the token can see."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from tui.adapters import FACEBOOK_URL, INSTAGRAM_URL, make_adapter
from tui.adapters.base import Verification
from tui.adapters.errors import AdapterError, InvalidRequest
from tui.adapters.graph import GraphClient
from tui.adapters.mapping import text_field
from tui.config.secrets import app_secret_or_none
from tui.domain import Account, InstagramApi, Platform
from tui.domain.clock import utc_now

DEVICE_SCOPES = (
    "pages_show_list",
    "pages_messaging",
    "pages_manage_metadata",
    "pages_read_engagement",
    "business_management",
    "instagram_basic",
    "instagram_manage_messages",
)
"""What device login asks for: enough for a Page inbox and its linked Instagram account."""
PENDING, SLOW_DOWN, EXPIRED = 1349174, 1349172, 1349152
SLOW_DOWN_STEP = 5.0


class LinkPlatform(StrEnum):
    """The three things a user can link (the wizard's first step)."""

    MESSENGER = "messenger"
    INSTAGRAM_PAGE = "instagram"
    INSTAGRAM_LOGIN = "instagram-login"

    @property
    def heading(self) -> str:
        return _TITLES[self]

    @property
    def device_login(self) -> bool:
        """Whether Facebook's device flow can sign in (Instagram Login has no such flow)."""
        return self is not LinkPlatform.INSTAGRAM_LOGIN

    @property
    def platform(self) -> Platform:
        return Platform.MESSENGER if self is LinkPlatform.MESSENGER else Platform.INSTAGRAM

    @property
    def api(self) -> InstagramApi | None:
        if self is LinkPlatform.INSTAGRAM_PAGE:
            return InstagramApi.PAGE
        if self is LinkPlatform.INSTAGRAM_LOGIN:
            return InstagramApi.INSTAGRAM_LOGIN
        return None


_TITLES = {
    LinkPlatform.MESSENGER: "Messenger (a Facebook Page inbox)",
    LinkPlatform.INSTAGRAM_PAGE: "Instagram via its Facebook Page",
    LinkPlatform.INSTAGRAM_LOGIN: "Instagram with Instagram Login (no Page needed)",
}


class SignInError(Exception):
    """A step of signing in failed; the message is ours and safe to show."""


class DeviceCodeExpired(SignInError):
    """The device code ran out (or was declined on the phone): start again."""


@dataclass(frozen=True)
class AppCredentials:
    """The user's two Meta apps: the Facebook app (Messenger, Instagram via a Page) and the
    separate Instagram app of Instagram Login, each with its own id and secret."""

    app_id: str | None = None
    client_token: str | None = field(default=None, repr=False)
    app_secret: str | None = field(default=None, repr=False)
    ig_app_id: str | None = None
    ig_app_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppCredentials:
        """``LINKDECK_APP_ID``, ``LINKDECK_CLIENT_TOKEN``, ``LINKDECK_APP_SECRET``,
        ``LINKDECK_IG_APP_ID`` and ``LINKDECK_IG_APP_SECRET``."""
        env = os.environ if environ is None else environ
        return cls(
            env.get("LINKDECK_APP_ID") or None,
            env.get("LINKDECK_CLIENT_TOKEN") or None,
            env.get("LINKDECK_APP_SECRET") or None,
            env.get("LINKDECK_IG_APP_ID") or None,
            env.get("LINKDECK_IG_APP_SECRET") or None,
        )

    @classmethod
    def load(
        cls, app_ids: Mapping[str, str], secrets_path: Path, environ: Mapping[str, str]
    ) -> AppCredentials:
        """The environment first, then ``[apps]`` in config.toml and ``[app_secrets]`` in
        secrets.toml."""
        env = cls.from_env(environ)
        return cls(
            env.app_id or app_ids.get("facebook"),
            env.client_token,
            app_secret_or_none("facebook", secrets_path, environ=environ),
            env.ig_app_id or app_ids.get("instagram"),
            app_secret_or_none("instagram", secrets_path, environ=environ),
        )

    def secret_for(self, platform: LinkPlatform) -> str | None:
        """The secret of the app whose tokens ``platform`` uses."""
        if platform is LinkPlatform.INSTAGRAM_LOGIN:
            return self.ig_app_secret
        return self.app_secret

    @property
    def can_device_login(self) -> bool:
        return bool(self.app_id and self.client_token)

    @property
    def can_exchange(self) -> bool:
        return bool(self.app_id and self.app_secret)


@dataclass(frozen=True)
class DeviceCode:
    """What the terminal shows while the user approves on their phone."""

    code: str = field(repr=False)
    user_code: str
    verification_uri: str
    expires_at: datetime
    interval: float


@dataclass(frozen=True)
class LinkTarget:
    """A Page or an Instagram account the signed-in token can link, with its token."""

    name: str
    page_id: str | None
    ig_user_id: str | None
    token: str = field(repr=False)
    username: str = ""

    @property
    def label(self) -> str:
        if self.ig_user_id and self.username:
            return f"@{self.username} ({self.ig_user_id})"
        return f"{self.name} ({self.page_id or self.ig_user_id})"


def is_meta_host(url: str | None) -> bool:
    return url is None or url.rstrip("/") in (FACEBOOK_URL, INSTAGRAM_URL)


def account_graph_url(platform: LinkPlatform, graph_url: str | None) -> str | None:
    """The ``graph_url`` to store for an account: ``None`` for Meta's own hosts.

    A custom host (the simulator, a proxy) serves Instagram Login under ``/instagram``.
    """
    if is_meta_host(graph_url):
        return None
    assert graph_url is not None
    base = graph_url.rstrip("/").removesuffix("/instagram")
    return base + "/instagram" if platform is LinkPlatform.INSTAGRAM_LOGIN else base


def suggest_account_id(name: str, taken: Iterable[str]) -> str:
    """A short config id from a display name, not clashing with ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:24].strip("-") or "account"
    used, candidate, n = set(taken), base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class SignIn:
    """One sign-in conversation with the platform, for the wizard and ``linkdeck link``."""

    def __init__(
        self,
        platform: LinkPlatform,
        *,
        graph_url: str | None = None,
        credentials: AppCredentials | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.platform = platform
        self.graph_url = account_graph_url(platform, graph_url)
        self.credentials = credentials or AppCredentials()
        self.transport = transport
        self.clock = clock
        self.user_token: str | None = None
        """A Facebook user token, when signing in gave one (device login, a pasted one)."""
        self.simulated = False
        """Whether the host is the bundled simulator (its app credentials were borrowed)."""
        self.notes: list[str] = []
        """What happened that the user should read at review (exchange skipped, ...)."""
        self._clients: list[GraphClient] = []

    def _client(self, token: str) -> GraphClient:
        login = self.platform is LinkPlatform.INSTAGRAM_LOGIN
        base = self.graph_url or (INSTAGRAM_URL if login else FACEBOOK_URL)
        client = GraphClient(
            base,
            token,
            transport=self.transport,
            clock=self.clock,
            app_secret=self.credentials.secret_for(self.platform),
        )
        self._clients.append(client)
        return client

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
        self._clients.clear()

    async def discover_simulator(self) -> None:
        """Against the bundled simulator, borrow its app credentials (never on Meta's hosts)."""
        if is_meta_host(self.graph_url) or self.credentials.can_device_login:
            return
        base = (self.graph_url or "").removesuffix("/instagram")
        async with httpx.AsyncClient(transport=self.transport, timeout=5.0) as http:
            try:
                answer = (await http.get(base + "/_sim/device")).json()
            except (httpx.HTTPError, ValueError):
                return
        if isinstance(answer, dict) and isinstance(answer.get("app_id"), str):
            self.credentials = AppCredentials(
                answer["app_id"],
                answer.get("client_token"),
                answer.get("app_secret"),
                answer.get("ig_app_id"),
                answer.get("ig_app_secret"),
            )
            self.simulated = True

    def sim_base(self) -> str:
        return (self.graph_url or "").removesuffix("/instagram")

    async def token_from_simulated_dashboard(self) -> str:
        """Against the simulator only: the token its stand-in App Dashboard generates (a
        Page token, or an Instagram Login token), for the paste path of the demo."""
        if not self.simulated:
            raise SignInError("only the simulator hands out tokens; use the App Dashboard")
        async with httpx.AsyncClient(transport=self.transport, timeout=5.0) as http:
            answer = await http.post(
                f"{self.sim_base()}/_sim/dashboard/token", json={"platform": self.platform.value}
            )
        token = answer.json().get("access_token") if answer.status_code == 200 else None
        if not isinstance(token, str) or not token:
            raise SignInError("the simulator gave no token")
        return token

    async def approve_on_simulator(self, device: DeviceCode) -> None:
        """Play the user's phone against the bundled simulator (the demo has no phone)."""
        if not self.simulated:
            return
        base = (self.graph_url or "").removesuffix("/instagram")
        async with httpx.AsyncClient(transport=self.transport, timeout=5.0) as http:
            await http.post(f"{base}/_sim/device/{device.user_code}", json={"approve": True})

    # -- device login --------------------------------------------------------------------

    async def start_device_login(self) -> DeviceCode:
        creds = self.credentials
        if not self.platform.device_login:
            raise SignInError("Instagram Login has no device login: paste a token instead")
        if not creds.can_device_login:
            raise SignInError(
                "device login needs the app id and client token "
                "(LINKDECK_APP_ID, LINKDECK_CLIENT_TOKEN); paste a token instead"
            )
        client = self._client(f"{creds.app_id}|{creds.client_token}")
        try:
            response = await client.post("device/login", {"scope": ",".join(DEVICE_SCOPES)})
        except AdapterError as exc:
            raise SignInError(f"device login could not start: {exc}") from None
        data = response.data
        seconds = data.get("expires_in")
        interval = data.get("interval")
        return DeviceCode(
            code=text_field(data, "code"),
            user_code=text_field(data, "user_code"),
            verification_uri=text_field(data, "verification_uri")
            or "https://www.facebook.com/device",
            expires_at=self.clock()
            + timedelta(seconds=seconds if isinstance(seconds, int) else 420),
            interval=float(interval) if isinstance(interval, int | float) else 5.0,
        )

    async def poll_device_login(self, device: DeviceCode) -> tuple[str | None, float]:
        """One poll: (the user token once approved, else ``None``; seconds until the next).

        Raises:
            DeviceCodeExpired: the code ran out or was declined.
        """
        creds = self.credentials
        client = self._client(f"{creds.app_id}|{creds.client_token}")
        try:
            response = await client.post("device/login_status", {"code": device.code})
        except InvalidRequest as exc:
            if exc.code == 31 and exc.subcode == PENDING:
                return None, device.interval
            if exc.code == 31 and exc.subcode == SLOW_DOWN:
                return None, device.interval + SLOW_DOWN_STEP
            if exc.code == 31 and exc.subcode == EXPIRED:
                raise DeviceCodeExpired("the code expired before it was approved") from None
            raise SignInError(f"device login failed: {exc}") from None
        except AdapterError as exc:
            raise SignInError(f"device login failed: {exc}") from None
        finally:
            await client.aclose()
            self._clients.remove(client)
        token = response.data.get("access_token")
        if not isinstance(token, str) or not token:
            raise SignInError("device login answered without a token")
        self.user_token = token
        return token, 0.0

    async def wait_for_device_login(
        self,
        device: DeviceCode,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> str:
        """Poll until approved; raises :class:`DeviceCodeExpired` when the code runs out."""
        while True:
            if self.clock() >= device.expires_at:
                raise DeviceCodeExpired("the code expired before it was approved")
            token, delay = await self.poll_device_login(device)
            if token is not None:
                return token
            await sleep(delay)

    # -- exchange and targets ------------------------------------------------------------

    async def exchange(self, token: str) -> tuple[str, datetime | None]:
        """A long-lived token for a short-lived one, where the platform and the app allow.

        Without an app secret the token is kept as it is, and a note says so.
        """
        creds = self.credentials
        login = self.platform is LinkPlatform.INSTAGRAM_LOGIN
        if (login and not creds.ig_app_secret) or (not login and not creds.can_exchange):
            where = (
                "the Instagram app's secret (LINKDECK_IG_APP_SECRET or [app_secrets] instagram)"
                if login
                else "the Facebook app's id and secret (LINKDECK_APP_ID, LINKDECK_APP_SECRET)"
            )
            self.notes.append(
                f"no {where}: the token was not exchanged for a long-lived one; a "
                "short-lived token stops working within hours (the App Dashboard's own "
                "tokens are long-lived already)"
            )
            return token, None
        client = self._client(token)
        try:
            if self.platform is LinkPlatform.INSTAGRAM_LOGIN:
                # Instagram Login's own app secret, never the Facebook app's.
                params: dict[str, str | int] = {
                    "grant_type": "ig_exchange_token",
                    "client_secret": str(creds.ig_app_secret),
                }
                response = await client.get("access_token", params, versioned=False)
            else:
                body = {
                    "grant_type": "fb_exchange_token",
                    "client_id": str(creds.app_id),
                    "client_secret": str(creds.app_secret),
                    "fb_exchange_token": token,
                }
                response = await client.post("oauth/access_token", body)
        except InvalidRequest:
            # Already long-lived (Instagram says so) or not a user token: keep it.
            return token, None
        except AdapterError as exc:
            raise SignInError(f"the token exchange failed: {exc}") from None
        fresh = response.data.get("access_token")
        seconds = response.data.get("expires_in")
        if not isinstance(fresh, str) or not fresh:
            return token, None
        expires = self.clock() + timedelta(seconds=seconds) if isinstance(seconds, int) else None
        self.notes.append("exchanged for a long-lived token")
        return fresh, expires

    async def targets(self, token: str) -> list[LinkTarget]:
        """The Pages (or the Instagram account) this token can link, each with its token."""
        client = self._client(token)
        try:
            if self.platform is LinkPlatform.INSTAGRAM_LOGIN:
                me = (await client.get("me", {"fields": "user_id,username"})).data
                ig_id = text_field(me, "user_id") or text_field(me, "id")
                name = text_field(me, "username")
                return [LinkTarget(name, None, ig_id, token, username=name)]
            fields = "id,name,access_token,instagram_business_account{id,username}"
            try:
                data = (await client.get("me/accounts", {"fields": fields})).data.get("data")
                rows = data if isinstance(data, list) else []
                self.user_token = self.user_token or token
                if not rows:
                    rows = await self._granted_pages(client, token, fields)
            except InvalidRequest:
                # A Page token has no Pages of its own: it is the one Page it speaks for.
                page = await client.get(
                    "me", {"fields": "id,name,instagram_business_account{id,username}"}
                )
                rows = [{**page.data, "access_token": token}]
        except AdapterError as exc:
            raise SignInError(f"cannot list what this token can reach: {exc}") from None
        found: list[LinkTarget] = []
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("access_token"), str):
                continue
            linked = row.get("instagram_business_account")
            if self.platform is LinkPlatform.INSTAGRAM_PAGE:
                if not isinstance(linked, dict):
                    continue
                found.append(
                    LinkTarget(
                        text_field(row, "name"),
                        text_field(row, "id"),
                        text_field(linked, "id"),
                        row["access_token"],
                        username=text_field(linked, "username"),
                    )
                )
            else:
                found.append(
                    LinkTarget(
                        text_field(row, "name"), text_field(row, "id"), None, row["access_token"]
                    )
                )
        return found

    async def _granted_pages(
        self, client: GraphClient, token: str, fields: str
    ) -> list[dict[str, Any]]:
        """Pages of a business portfolio: ``/me/accounts`` lists none of them, but
        ``debug_token``'s granular scopes name their ids, and each Page hands out its
        token to the user (``GET /{page-id}?fields=access_token``; zammad/zammad#6069)."""
        creds = self.credentials
        app_token = f"{creds.app_id}|{creds.app_secret}" if creds.can_exchange else None
        checker = self._client(app_token) if app_token else client
        try:
            info = (await checker.get("debug_token", token_params={"input_token": token})).data
        except AdapterError:
            return []
        data = info.get("data")
        page_ids: list[str] = []
        grants = data.get("granular_scopes") if isinstance(data, dict) else None
        for grant in grants if isinstance(grants, list) else []:
            if not isinstance(grant, dict) or not str(grant.get("scope", "")).startswith("pages_"):
                continue
            targets = grant.get("target_ids")
            for page_id in targets if isinstance(targets, list) else []:
                if isinstance(page_id, str) and page_id.isdigit() and page_id not in page_ids:
                    page_ids.append(page_id)
        rows: list[dict[str, Any]] = []
        for page_id in page_ids:
            try:
                rows.append((await client.get(page_id, {"fields": fields})).data)
            except AdapterError:
                continue
        if rows:
            self.notes.append(
                "the Page was found through the token's granted Pages (it belongs to a "
                "business portfolio, so /me/accounts listed nothing)"
            )
        return rows

    def account_for(self, account_id: str, target: LinkTarget) -> Account:
        return Account(
            id=account_id,
            platform=self.platform.platform,
            page_id=target.page_id,
            ig_user_id=target.ig_user_id,
            api=self.platform.api,
            graph_url=self.graph_url,
            name=target.username or target.name,
        )

    async def check(self, target: LinkTarget) -> Verification:
        """Identity and permissions of the chosen target against what Linkdeck needs.

        A Page token can do no more than the user who granted it, so a signed-in user's
        own declined permissions count as missing too.
        """
        adapter = make_adapter(
            self.account_for("link-check", target), target.token, transport=self.transport
        )
        try:
            verification = await adapter.verify()
            declined: set[str] = set()
            if self.user_token and self.user_token != target.token:
                user = self._client(self.user_token)
                try:
                    rows = (await user.get("me/permissions")).data.get("data")
                except AdapterError:
                    rows = []
                for row in rows if isinstance(rows, list) else []:
                    if isinstance(row, dict) and row.get("status") != "granted":
                        declined.add(str(row.get("permission")))
        finally:
            await adapter.client.aclose()
        if not declined:
            return verification
        required = getattr(adapter, "required_permissions", {})
        granted = verification.granted - declined
        missing = {p: what for p, what in required.items() if p not in granted}
        error = verification.error
        if missing and (error is None or error.startswith("missing permissions")):
            error = "missing permissions: " + ", ".join(sorted(missing))
        return Verification(
            account_name=verification.account_name,
            owner_id=verification.owner_id,
            token_valid=verification.token_valid,
            expires_at=verification.expires_at,
            granted=granted,
            required=verification.required,
            missing=missing,
            token_type=verification.token_type,
            error=error,
        )
