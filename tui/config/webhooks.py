"""The ``[webhooks]`` table: where the receiver listens, and how its two secrets are found.

The verify token is a secret like an account token: an environment variable, a command,
or ``webhook_verify_token`` under ``[secrets]`` in ``secrets.toml``; never config.toml.
Deliveries are signed with our Meta app's secret, the one linking already keeps
(``[app_secrets]``, or ``LINKDECK_APP_SECRET`` / ``LINKDECK_IG_APP_SECRET``);
``app_secret_env`` / ``app_secret_command`` name another source, and the
``webhook_app_secret`` entry older versions asked for is still read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.config.checker import Checker
from tui.config.secrets import SecretError, read_app_secret, resolve_token

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8790
DEFAULT_PATH = "/webhooks"
DEFAULT_MAX_BODY = 1_000_000
"""Bytes; Meta's deliveries are a few kilobytes even when batched."""
DEFAULT_BUDGET_SHARE = 0.5
KEYS = (
    "enabled",
    "host",
    "port",
    "path",
    "app_id",
    "max_body_bytes",
    "verify_token_env",
    "verify_token_command",
    "app_secret_env",
    "app_secret_command",
    "budget_share",
    "engaged_users",
)


@dataclass(frozen=True)
class WebhookSettings:
    """How real time reaches Linkdeck; off unless ``enabled = true``."""

    enabled: bool = False
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    path: str = DEFAULT_PATH
    app_id: str = ""
    """Our Meta app id, to tell our own thread control from another app's (optional)."""
    max_body_bytes: int = DEFAULT_MAX_BODY
    verify_token_env: str | None = None
    verify_token_command: str | None = None
    app_secret_env: str | None = None
    app_secret_command: str | None = None
    budget_share: float = DEFAULT_BUDGET_SHARE
    """Share of each account's 24-hour call budget that polling may use."""
    engaged_users: int = 0
    """People the business can message (Meta's budget factor); 0: learn or assume."""


@dataclass(frozen=True)
class _Source:
    id: str
    token_env: str | None
    token_command: str | None


def resolve_webhook_secrets(
    settings: WebhookSettings, secrets_path: Path, *, environ: Mapping[str, str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """``(verify_token, app_secrets)``: the verify token, and every secret a delivery may
    be signed with; raises ``SecretError`` naming what is missing."""
    verify = resolve_token(
        _Source("webhook_verify_token", settings.verify_token_env, settings.verify_token_command),
        secrets_path,
        environ=environ,
    )
    named = _Source("webhook_app_secret", settings.app_secret_env, settings.app_secret_command)
    if named.token_env or named.token_command:
        return verify, (resolve_token(named, secrets_path, environ=environ),)
    found: list[str] = []
    # The old entry is optional: [app_secrets] is where the secret lives now.
    with contextlib.suppress(SecretError):
        found.append(resolve_token(named, secrets_path, environ=environ))
    for app in ("facebook", "instagram"):
        secret = read_app_secret(secrets_path, app, environ=environ)
        if secret and secret not in found:
            found.append(secret)
    if not found:
        raise SecretError(
            "no app secret to check webhook signatures with: add it under [app_secrets] "
            f'in {secrets_path} (facebook = "..."), or set LINKDECK_APP_SECRET, or '
            "name app_secret_env / app_secret_command in [webhooks]"
        )
    return verify, tuple(found)


def read_webhooks(check: Checker, data: Mapping[str, Any]) -> WebhookSettings:
    """Validate ``[webhooks]``; a bad value falls back to its default with a problem."""
    table = check.table(data, "webhooks", "webhooks")
    check.unknown("webhooks.", table, KEYS)
    default = WebhookSettings()

    def value(key: str, types: tuple[type, ...], what: str) -> Any:
        raw = table.get(key, getattr(default, key))
        if raw is None:
            return None
        if isinstance(raw, bool) and bool not in types:
            check.wrong(f"webhooks.{key}", what, raw, getattr(default, key))
            return getattr(default, key)
        if not isinstance(raw, types):
            check.wrong(f"webhooks.{key}", what, raw, getattr(default, key))
            return getattr(default, key)
        return raw

    port = value("port", (int,), "a port number")
    if not 0 <= port <= 65535:
        check.error("webhooks.port", f"expected 0 to 65535; using {DEFAULT_PORT}")
        port = DEFAULT_PORT
    path = str(value("path", (str,), "a path such as /webhooks")) or DEFAULT_PATH
    if not path.startswith("/"):
        path = "/" + path
    share = float(value("budget_share", (int, float), "a share between 0 and 1"))
    if not 0.0 < share <= 1.0:
        check.error("webhooks.budget_share", "expected above 0, at most 1; using 0.5")
        share = DEFAULT_BUDGET_SHARE
    engaged = value("engaged_users", (int,), "a number of people")
    if not 0 <= engaged <= 1_000_000_000:
        check.error("webhooks.engaged_users", "out of range: expected 0 to 1000000000; using 0")
        engaged = 0
    max_body = value("max_body_bytes", (int,), "a number of bytes")
    if not 1024 <= max_body <= 50_000_000:
        check.error(
            "webhooks.max_body_bytes", f"expected 1024 to 50000000; using {DEFAULT_MAX_BODY}"
        )
        max_body = DEFAULT_MAX_BODY
    return WebhookSettings(
        enabled=bool(value("enabled", (bool,), "true or false")),
        host=str(value("host", (str,), "an address")) or DEFAULT_HOST,
        port=int(port),
        path=path,
        app_id=str(value("app_id", (str,), "the app id as a string")),
        max_body_bytes=int(max_body),
        verify_token_env=value("verify_token_env", (str,), "a variable name"),
        verify_token_command=value("verify_token_command", (str,), "a command line"),
        app_secret_env=value("app_secret_env", (str,), "a variable name"),
        app_secret_command=value("app_secret_command", (str,), "a command line"),
        budget_share=share,
        engaged_users=int(engaged),
    )
