"""Linking a Matrix account: the homeserver from the user id, password login or a pasted token.

The wizard and ``linkdeck link matrix`` both use these steps; they work over SSH (no
browser). The access token goes to secrets like every other; the device id is kept in
config.toml so the same device is reused. Unlinking logs the device out.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from mautrix.client import ClientAPI
from mautrix.errors import WellKnownError
from mautrix.types import LoginType, UserID

from tui.adapters.errors import AdapterError
from tui.adapters.matrix import ROOM_PREFIX, MatrixClient
from tui.adapters.matrix_events import RoomInfo
from tui.config import AccountConfig
from tui.config.redact import register_secret
from tui.domain import Platform, PrivacySettings
from tui.services.account_facts import LinkPlan
from tui.services.linking import BACKFILL_CHOICES, Prompter

DEVICE_NAME = "Linkdeck"


class MatrixLinkError(Exception):
    """A step of linking failed; the message is ours and safe to show."""


@dataclass(frozen=True)
class MatrixLogin:
    """A working session on a homeserver."""

    homeserver: str
    user_id: str
    device_id: str
    access_token: str = field(repr=False)


def server_name(user_id: str) -> str:
    """``example.org`` of ``@ana:example.org``."""
    if not user_id.startswith("@") or ":" not in user_id:
        raise MatrixLinkError("a Matrix user id looks like @name:example.org")
    return user_id.split(":", 1)[1]


async def discover(user_id: str) -> str | None:
    """The homeserver URL from the server's ``.well-known/matrix/client``, if it has one."""
    domain = server_name(user_id)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        try:
            url = await ClientAPI.discover(domain, session)
        except (WellKnownError, aiohttp.ClientError, TimeoutError, OSError, ValueError):
            return None
    return str(url).rstrip("/") if url else None


async def login(
    homeserver: str,
    user_id: str,
    *,
    password: str | None = None,
    token: str | None = None,
    device_id: str | None = None,
) -> MatrixLogin:
    """Log in with a password, or check a pasted access token (``whoami``)."""
    homeserver = homeserver.rstrip("/")
    if token:
        register_secret(token)
        client = MatrixClient(homeserver, token, user_id, device_id or "")
        try:
            whoami = await client.call(lambda api: api.whoami())
        except AdapterError as exc:
            raise MatrixLinkError(f"the homeserver did not accept the token ({exc})") from None
        finally:
            await client.aclose()
        if str(whoami.user_id) != user_id:
            raise MatrixLinkError(f"that token belongs to {whoami.user_id}, not {user_id}")
        return MatrixLogin(homeserver, user_id, str(whoami.device_id or device_id or ""), token)
    if not password:
        raise MatrixLinkError("a password or an access token is needed")
    register_secret(password)
    client = MatrixClient(homeserver, "", user_id, device_id or "")
    try:
        reply = await client.call(
            lambda api: api.login(
                identifier=UserID(user_id),
                login_type=LoginType.PASSWORD,
                password=password,
                device_name=DEVICE_NAME,
                device_id=device_id or None,
                store_access_token=False,
            )
        )
    except AdapterError as exc:
        raise MatrixLinkError(f"login refused ({exc})") from None
    finally:
        await client.aclose()
    register_secret(reply.access_token)
    return MatrixLogin(homeserver, str(reply.user_id), str(reply.device_id), reply.access_token)


async def logout(homeserver: str, token: str, user_id: str) -> bool:
    """End the device's session (unlink); ``False`` when the homeserver could not be told."""
    client = MatrixClient(homeserver, token, user_id, "")
    try:
        await client.call(lambda api: api.logout(clear_access_token=False))
    except AdapterError:
        return False
    finally:
        await client.aclose()
    return True


def plan_for(
    session: MatrixLogin, account_id: str, privacy: PrivacySettings | None = None
) -> LinkPlan:
    config = AccountConfig(
        id=account_id,
        platform=Platform.MATRIX,
        name=session.user_id,
        user_id=session.user_id,
        homeserver=session.homeserver,
        device_id=session.device_id or None,
    )
    return LinkPlan(
        account=config, token=session.access_token, privacy=privacy or PrivacySettings()
    )


@dataclass(frozen=True)
class BridgeSummary:
    """A bridge found in the account's rooms, for the Profiles tab."""

    protocol: str
    name: str
    bot: str
    rooms: int


def bridges_found(cursors: Mapping[str, str]) -> list[BridgeSummary]:
    """The bridges seen in the synced rooms' state, with how many portal rooms each has."""
    found: dict[tuple[str, str], list[RoomInfo]] = {}
    for name, value in cursors.items():
        if name.startswith(ROOM_PREFIX):
            info = RoomInfo.from_json(value)
            if info.bridged:
                found.setdefault((info.protocol, info.bridge_bot), []).append(info)
    return [
        BridgeSummary(protocol, infos[0].protocol_name or protocol, bot, len(infos))
        for (protocol, bot), infos in sorted(found.items())
    ]


def describe_bridges(cursors: Mapping[str, str]) -> str:
    bridges = bridges_found(cursors)
    if not bridges:
        return "no bridges found (yet)"
    return "; ".join(
        f"{b.name} via {b.bot or 'unknown bot'}: {b.rooms} room{'s' * (b.rooms != 1)}"
        for b in bridges
    )


async def link_matrix_in_terminal(
    config_path: Path,
    data_dir: Path,
    *,
    prompter: Prompter,
) -> int:
    """``linkdeck link matrix``: prompts, login, review, save."""
    from tui.services.accounts import AccountManager
    from tui.services.runtime import open_runtime
    from tui.services.signin import suggest_account_id

    user_id = prompter.ask("Matrix user id (@name:example.org): ").strip()
    try:
        server_name(user_id)
    except MatrixLinkError as exc:
        print(f"linkdeck link: {exc}")
        return 1
    found = await discover(user_id)
    default = found or "https://" + server_name(user_id)
    print(f"Homeserver: {found} (from .well-known)" if found else "No .well-known found.")
    homeserver = prompter.ask(f"Homeserver URL [{default}]: ").strip() or default
    way = prompter.choose("Sign in with", ["password", "an access token I paste"])
    try:
        if way == 0:
            password = prompter.ask_secret("Password (not echoed, not stored): ")
            session = await login(homeserver, user_id, password=password)
        else:
            token = prompter.ask_secret("Access token (not echoed): ").strip()
            session = await login(homeserver, user_id, token=token)
    except MatrixLinkError as exc:
        print(f"linkdeck link: {exc}")
        return 1
    print(f"Signed in as {session.user_id} on {session.homeserver}, device {session.device_id}.")
    receipts = prompter.yes("Send read receipts (off: private receipts only)?", True)
    typing = prompter.yes("Send typing indicators while you write?", True)
    depths = list(BACKFILL_CHOICES)
    depth = depths[prompter.choose("History backfill", depths, default=2)]
    privacy = PrivacySettings(
        send_read_receipts=receipts, send_typing=typing, backfill_days=BACKFILL_CHOICES[depth]
    )
    runtime = await open_runtime(config_path, data_dir)
    try:
        taken = [a.id for a in runtime.prefs.accounts]
        suggested = suggest_account_id(user_id[1:].split(":", 1)[0], taken)
        account_id = prompter.ask(f"Local id for this account [{suggested}]: ").strip() or suggested
        print(
            json.dumps(
                {
                    "account": account_id,
                    "platform": "matrix",
                    "user": session.user_id,
                    "homeserver": session.homeserver,
                    "device": session.device_id,
                    "token": "saved to secrets.toml (0600)",
                },
                indent=1,
            )
        )
        if not prompter.yes("Save and start syncing?", True):
            with contextlib.suppress(MatrixLinkError):
                await logout(session.homeserver, session.access_token, session.user_id)
            print("Nothing was saved; the new session was logged out.")
            return 1
        await AccountManager(runtime).link(plan_for(session, account_id, privacy))
    except (ValueError, OSError) as exc:
        print(f"linkdeck link: {exc}")
        return 1
    finally:
        await runtime.close()
    print(f"Linked '{account_id}'. Run `linkdeck` to see its rooms.")
    return 0
