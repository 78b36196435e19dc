"""The preferences as data, and the lenient validation that turns a TOML document into them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tui.config.checker import Checker, Problem
from tui.config.notify_schema import read_notifications
from tui.config.redact import register_secret
from tui.config.webhooks import WebhookSettings, read_webhooks
from tui.domain.models import Account, InstagramApi, Platform
from tui.domain.rules import NotificationSettings, PrivacySettings

__all__ = ["AccountConfig", "Prefs", "Problem", "build_prefs"]

DEFAULT_THEME = "linkdeck-dark"
DEFAULT_POLL_SECONDS = 20.0
DEFAULT_API_VERSION = "v25.0"
POLL_RANGE = (1.0, 86400.0)
API_VERSION_RE = re.compile(r"^v\d+\.\d+$")
BACKFILL_ALL = "all"
HISTORY_FOREVER = "forever"
PRIVACY_DAYS = ("backfill_days", "history_days")
PRIVACY_BOOLS = tuple(f.name for f in fields(PrivacySettings) if f.name not in PRIVACY_DAYS)
TOP_LEVEL = ("ui", "accounts", "privacy", "notifications", "keymap", "webhooks", "apps")
META_APPS = ("facebook", "instagram")
"""Meta's two apps: the Facebook app (Messenger, Instagram via a Page) and the separate
Instagram app that Instagram Login uses, each with its own id and secret."""


@dataclass(frozen=True)
class AccountConfig:
    """One ``[[accounts]]`` entry as validated from config.toml (never holds the token)."""

    id: str
    platform: Platform
    page_id: str | None = None
    ig_user_id: str | None = None
    api: InstagramApi | None = None
    """Instagram only; ``None`` for Messenger."""
    graph_url: str | None = None
    """Base URL override without a trailing slash; ``None`` means Meta's host."""
    api_version: str = DEFAULT_API_VERSION
    token_env: str | None = None
    token_command: str | tuple[str, ...] | None = None
    """A command line (split with shlex) or an argv list; run without a shell."""
    name: str = ""
    paused: bool = False
    """Sync is paused for this account (the Profiles tab toggles it)."""
    user_id: str | None = None
    """Matrix only: the full user id (``@me:example.org``)."""
    homeserver: str | None = None
    """Matrix only: the homeserver's base URL (found through ``.well-known`` when linking)."""
    device_id: str | None = None
    """Matrix only: the device of the access token, kept so receipts and keys stay put."""
    human_agent: bool = False
    """The app's Human Agent feature is approved: the HUMAN_AGENT tag may be offered."""

    @property
    def app(self) -> str:
        """Which Meta app signs this account's calls: ``instagram`` for Instagram Login."""
        return "instagram" if self.api is InstagramApi.INSTAGRAM_LOGIN else "facebook"

    def to_account(self) -> Account:
        return Account(
            id=self.id,
            platform=self.platform,
            page_id=self.page_id,
            ig_user_id=self.ig_user_id,
            api=self.api,
            graph_url=self.graph_url,
            api_version=self.api_version,
            name=self.name,
            user_id=self.user_id,
            homeserver=self.homeserver,
            device_id=self.device_id,
        )


@dataclass(frozen=True)
class Prefs:
    """Everything config.toml says, with defaults for whatever it does not."""

    theme: str = DEFAULT_THEME
    poll_seconds: float = DEFAULT_POLL_SECONDS
    accounts: tuple[AccountConfig, ...] = ()
    privacy: dict[str, PrivacySettings] = field(default_factory=dict)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id (``inbox.refresh``) -> key (``f5``)."""
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    app_ids: dict[str, str] = field(default_factory=dict)
    """``facebook`` / ``instagram`` -> that app's id (``[apps.facebook] app_id``); the
    secrets live in secrets.toml's ``[app_secrets]`` or the environment, never here."""

    def privacy_for(self, account_id: str) -> PrivacySettings:
        return self.privacy.get(account_id, PrivacySettings())

    def account(self, account_id: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.id == account_id), None)


def _identifier(check: Checker, data: Mapping[str, Any], name: str, key: str) -> str | None:
    """Platform ids are strings; an unquoted number is taken as the same digits."""
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    check.wrong(key, "a string of digits", value, None)
    return None


ACCOUNT_KEYS = tuple(f.name for f in fields(AccountConfig))


def _account(check: Checker, raw: object, index: int, seen: set[str]) -> AccountConfig | None:
    key = f"accounts[{index}]"
    if not isinstance(raw, Mapping):
        check.wrong(key, "a table", raw, None)
        return None
    for secret_key in ("token", "access_token"):
        if secret_key in raw:
            if isinstance(raw[secret_key], str):
                register_secret(raw[secret_key])
            check.error(
                f"{key}.{secret_key}",
                "tokens do not belong in config.toml; ignored. Use token_env, "
                "token_command or secrets.toml (mode 0600)",
            )
    check.unknown(
        f"{key}.",
        {k: v for k, v in raw.items() if k not in ("token", "access_token")},
        ACCOUNT_KEYS,
    )
    account_id = check.string(raw, "id", f"{key}.id", None)
    if not account_id or not account_id.strip():
        check.error(f"{key}.id", "every account needs an id; account skipped")
        return None
    account_id = account_id.strip()
    key = f"accounts[{index}] ({account_id})"
    if account_id in seen:
        check.error(f"{key}.id", "another account has the same id; this one is skipped")
        return None
    platform_name = check.string(raw, "platform", f"{key}.platform", None)
    try:
        platform = Platform(platform_name)
    except ValueError:
        choices = " or ".join(p.value for p in Platform)
        check.error(f"{key}.platform", f"expected {choices}; account skipped")
        return None
    page_id = _identifier(check, raw, "page_id", f"{key}.page_id")
    ig_user_id = _identifier(check, raw, "ig_user_id", f"{key}.ig_user_id")
    api: InstagramApi | None = None
    if platform is Platform.INSTAGRAM:
        api_default = InstagramApi.PAGE if page_id else InstagramApi.INSTAGRAM_LOGIN
        api_name = check.string(raw, "api", f"{key}.api", api_default.value)
        try:
            api = InstagramApi(api_name)
        except ValueError:
            choices = " or ".join(a.value for a in InstagramApi)
            check.error(f"{key}.api", f"expected {choices}; using {api_default.value!r}")
            api = api_default
    matrix = _matrix_keys(check, raw, key) if platform is Platform.MATRIX else {}
    if platform is Platform.MATRIX and not matrix:
        return None
    if page_id is None and (platform is Platform.MESSENGER or api is InstagramApi.PAGE):
        check.error(f"{key}.page_id", "this account needs the id of its Page; account skipped")
        return None
    graph_url = check.string(raw, "graph_url", f"{key}.graph_url", None)
    if graph_url is not None:
        graph_url = graph_url.strip().rstrip("/")
        if not graph_url.startswith(("http://", "https://")):
            check.error(f"{key}.graph_url", "expected an http:// or https:// URL; using Meta's")
            graph_url = None
    version = check.string(raw, "api_version", f"{key}.api_version", DEFAULT_API_VERSION)
    if not API_VERSION_RE.match(version):
        check.error(
            f"{key}.api_version", f"expected a version like 'v25.0'; using {DEFAULT_API_VERSION!r}"
        )
        version = DEFAULT_API_VERSION
    token_env = check.string(raw, "token_env", f"{key}.token_env", None) or None
    command = raw.get("token_command")
    token_command: str | tuple[str, ...] | None = None
    if isinstance(command, str):
        token_command = command.strip() or None
    elif isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        token_command = tuple(command)
    elif command is not None:
        check.wrong(f"{key}.token_command", "a command line or an array of strings", command, None)
    if token_env and token_command:
        check.warn(f"{key}.token_command", "token_env is set too and takes precedence")
    seen.add(account_id)
    return AccountConfig(
        id=account_id,
        platform=platform,
        page_id=page_id,
        ig_user_id=ig_user_id,
        api=api,
        graph_url=graph_url,
        api_version=version,
        token_env=token_env,
        token_command=token_command,
        name=check.string(raw, "name", f"{key}.name", ""),
        paused=check.boolean(raw, "paused", f"{key}.paused", False),
        **matrix,
        human_agent=check.boolean(raw, "human_agent", f"{key}.human_agent", False),
    )


def _matrix_keys(check: Checker, raw: Mapping[str, Any], key: str) -> dict[str, str | None]:
    """``user_id`` (required), ``homeserver`` and ``device_id`` of a Matrix account."""
    user_id = (check.string(raw, "user_id", f"{key}.user_id", None) or "").strip()
    if not (user_id.startswith("@") and ":" in user_id):
        check.error(f"{key}.user_id", "a Matrix account needs user_id = '@name:server'; skipped")
        return {}
    homeserver = check.string(raw, "homeserver", f"{key}.homeserver", None)
    if homeserver is not None:
        homeserver = homeserver.strip().rstrip("/")
        if not homeserver.startswith(("http://", "https://")):
            check.error(f"{key}.homeserver", "expected an http:// or https:// URL; skipped")
            return {}
    if homeserver is None:
        homeserver = "https://" + user_id.split(":", 1)[1]
    device_id = check.string(raw, "device_id", f"{key}.device_id", None) or None
    return {"user_id": user_id, "homeserver": homeserver, "device_id": device_id}


DAYS_RANGE = {"backfill_days": (0, 3_650), "history_days": (1, 36_500)}
"""Allowed days per privacy key: ten years of backfill, a century of history."""


def _days(check: Checker, raw: Mapping[str, Any], name: str, key: str) -> int | None:
    default: int | None = getattr(PrivacySettings(), name)
    value = raw.get(name)
    word = BACKFILL_ALL if name == "backfill_days" else HISTORY_FOREVER
    low, high = DAYS_RANGE[name]
    if value is None:
        return default
    if value == word:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        check.error(
            key, f"out of range: expected {low} to {high} days or {word!r}; using {default!r}"
        )
        return default
    check.wrong(key, f"a whole number from {low} to {high} or {word!r}", value, default)
    return default


def _privacy(check: Checker, data: Mapping[str, Any], ids: set[str]) -> dict[str, PrivacySettings]:
    result: dict[str, PrivacySettings] = {}
    known = tuple(f.name for f in fields(PrivacySettings))
    for account_id, raw in check.table(data, "privacy", "privacy").items():
        key = f"privacy.{account_id}"
        if not isinstance(raw, Mapping):
            check.wrong(key, "a table", raw, {})
            continue
        if account_id not in ids:
            check.warn(key, "no account has this id; these settings are unused")
        check.unknown(f"{key}.", raw, known)
        values: dict[str, Any] = {
            name: check.boolean(raw, name, f"{key}.{name}", getattr(PrivacySettings(), name))
            for name in PRIVACY_BOOLS
        }
        for name in PRIVACY_DAYS:
            values[name] = _days(check, raw, name, f"{key}.{name}")
        result[account_id] = PrivacySettings(**values)
    return result


def _keymap(check: Checker, data: Mapping[str, Any]) -> dict[str, str]:
    keymap: dict[str, str] = {}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for name, value in table.items():
            binding = f"{prefix}{name}"
            # `inbox.refresh = "f5"` without quotes is a nested table in TOML: same meaning.
            if isinstance(value, Mapping):
                walk(value, f"{binding}.")
            elif isinstance(value, str) and value.strip():
                keymap[binding] = value.strip()
            else:
                check.wrong(
                    f"keymap.{binding}",
                    "a key name such as 'f5' or 'ctrl+r'",
                    value,
                    "the default key",
                )

    walk(check.table(data, "keymap", "keymap"), "")
    return keymap


def _apps(check: Checker, data: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    apps = check.table(data, "apps", "apps")
    check.unknown("apps.", apps, META_APPS)
    for name in META_APPS:
        raw = apps.get(name)
        if raw is None:
            continue
        if not isinstance(raw, Mapping):
            check.wrong(f"apps.{name}", "a table", raw, None)
            continue
        for secret_key in ("app_secret", "secret", "client_secret"):
            if secret_key in raw:
                if isinstance(raw[secret_key], str):
                    register_secret(raw[secret_key])
                check.error(
                    f"apps.{name}.{secret_key}",
                    "app secrets do not belong in config.toml; ignored. Put it under "
                    f"[app_secrets] {name} = ... in secrets.toml (mode 0600)",
                )
        check.unknown(
            f"apps.{name}.", {k: v for k, v in raw.items() if "secret" not in k}, ("app_id",)
        )
        app_id = _identifier(check, raw, "app_id", f"apps.{name}.app_id")
        if app_id:
            found[name] = app_id
    return found


def build_prefs(data: Mapping[str, Any], file: Path) -> tuple[Prefs, list[Problem]]:
    """Validate plain TOML data (``doc.unwrap()``); every bad part falls back to its default."""
    check = Checker(file)
    check.unknown("", data, TOP_LEVEL)
    ui = check.table(data, "ui", "ui")
    check.unknown("ui.", ui, ("theme", "poll_seconds"))
    theme = check.string(ui, "theme", "ui.theme", DEFAULT_THEME).strip() or DEFAULT_THEME
    poll = ui.get("poll_seconds", DEFAULT_POLL_SECONDS)
    if isinstance(poll, bool) or not isinstance(poll, int | float):
        check.wrong("ui.poll_seconds", "a number of seconds", poll, DEFAULT_POLL_SECONDS)
        poll = DEFAULT_POLL_SECONDS
    elif not POLL_RANGE[0] <= poll <= POLL_RANGE[1]:
        low, high = POLL_RANGE
        check.error(
            "ui.poll_seconds",
            f"expected {low:g} to {high:g} seconds; using {DEFAULT_POLL_SECONDS:g}",
        )
        poll = DEFAULT_POLL_SECONDS
    accounts_raw = data.get("accounts", [])
    if not isinstance(accounts_raw, list):
        check.wrong("accounts", "an array of tables ([[accounts]])", accounts_raw, [])
        accounts_raw = []
    seen: set[str] = set()
    accounts = tuple(
        a for i, raw in enumerate(accounts_raw) if (a := _account(check, raw, i, seen)) is not None
    )
    prefs = Prefs(
        theme=theme,
        poll_seconds=float(poll),
        accounts=accounts,
        privacy=_privacy(check, data, seen),
        notifications=read_notifications(check, data),
        keymap=_keymap(check, data),
        webhooks=read_webhooks(check, data),
        app_ids=_apps(check, data),
    )
    return prefs, check.problems
