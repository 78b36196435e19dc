"""``linkdeck doctor``: config, secrets modes, tokens, permissions, reachability, database."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import httpx

from tui.adapters import make_adapter
from tui.adapters.base import PlatformAdapter
from tui.adapters.errors import AdapterError, RateLimited, Transient
from tui.config import SecretError, check_secrets_file, load_prefs, resolve_token
from tui.config.paths import database_path, secrets_path_for
from tui.config.secrets import app_secret_or_none
from tui.domain.clock import utc_now
from tui.services.account_facts import EXPIRES_KEY, expiry_warning, standard_access_hint

if TYPE_CHECKING:
    from tui.webhooks.subscription import Subscription


@dataclass
class Report:
    """What the doctor found: fine lines and problem lines (each says what to do)."""

    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def write(self, out: TextIO) -> None:
        for line in self.ok:
            print(f"ok       {line}", file=out)
        for line in self.warnings:
            print(f"warning  {line}", file=out)
        for line in self.problems:
            print(f"PROBLEM  {line}", file=out)
        verdict = f"{len(self.problems)} problem(s) need you." if self.problems else "All good."
        print(verdict, file=out)


def _token_expiry(data_dir: Path, account_id: str) -> datetime | None:
    """The expiry recorded at link or refresh time, read without taking the app's lock."""
    path = database_path(data_dir)
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute(
                "SELECT value FROM cursors WHERE account_id = ? AND name = ?",
                (account_id, EXPIRES_KEY),
            ).fetchone()
    except sqlite3.Error:
        return None
    try:
        return datetime.fromisoformat(row[0]) if row and row[0] else None
    except ValueError:
        return None


def check_database(data_dir: Path, report: Report) -> None:
    path = database_path(data_dir)
    if not path.exists():
        report.ok.append(f"database: none yet at {path} (created on first sync)")
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            result = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        report.problems.append(
            f"database {path} cannot be read ({exc}); move it aside and run `linkdeck sync --once`"
        )
        return
    if result and result[0] == "ok":
        report.ok.append(f"database: {path} passes its integrity check")
        _check_quarantine(path, report)
    else:
        report.problems.append(
            f"database {path} is damaged; move it aside (messages are re-fetched) "
            "and run `linkdeck sync --once`"
        )


def _check_quarantine(path: Path, report: Report) -> None:
    """Records held back at sync time: say how many, the newest reason, and how to see them."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (count,) = db.execute("SELECT COUNT(*) FROM quarantine").fetchone()
            newest = db.execute(
                "SELECT account_id, kind, reason FROM quarantine ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.Error:
        return
    if count and newest:
        account, kind, reason = newest
        report.warnings.append(
            f"quarantine: {count} record(s) held back (newest: {kind} of account "
            f"'{account}': {reason}); see them with `linkdeck export --quarantine`"
        )


async def diagnose(
    config_path: Path,
    data_dir: Path,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now: datetime | None = None,
) -> Report:
    """Every check, in the order a user would fix things."""
    report = Report()
    moment = now or utc_now()
    prefs, problems = load_prefs(config_path)
    for problem in problems:
        line = f"{problem}; fix it in {config_path}"
        (report.warnings if problem.severity == "warning" else report.problems).append(line)
    if not problems:
        report.ok.append(f"config: {config_path} reads cleanly")
    secrets = secrets_path_for(config_path)
    advice = check_secrets_file(secrets)
    if advice:
        report.problems.append(advice)
    elif secrets.exists():
        report.ok.append(f"secrets: {secrets} is private to you")
    if not prefs.accounts:
        report.warnings.append("no account is linked; link one with `linkdeck link messenger`")
    for config in prefs.accounts:
        name = f"account '{config.id}'"
        try:
            token = resolve_token(config, secrets, environ=environ)
        except SecretError as exc:
            if advice is None:
                report.problems.append(f"{exc}")
            else:
                report.problems.append(f"{name}: token unreadable until secrets.toml is fixed")
            continue
        adapter = make_adapter(
            config.to_account(),
            token,
            transport=transport,
            deadline=15.0,
            app_secret=app_secret_or_none(config.app, secrets, environ=environ),
        )
        try:
            verification = await adapter.verify()
            hooks = await _subscription(adapter, prefs.webhooks.app_id)
            empty = verification.token_valid and await _inbox_empty(adapter)
        except (Transient, RateLimited) as exc:
            report.problems.append(
                f"{name}: cannot reach its API ({exc}); check the network or graph_url"
            )
            continue
        except AdapterError as exc:
            report.problems.append(f"{name}: the API refused the check ({exc})")
            continue
        finally:
            await adapter.client.aclose()
        relink = f"`linkdeck link {_link_arg(config.platform.value, config.api)}`"
        if not verification.token_valid:
            report.problems.append(
                f"{name}: {verification.error or 'token invalid'}; re-authenticate with "
                f"{relink} or R in the Profiles tab"
            )
            continue
        for permission, what in sorted(verification.missing.items()):
            report.problems.append(
                f"{name}: permission {permission} missing ({what}); grant it and re-link "
                f"with {relink}"
            )
        if verification.error and not verification.missing:
            report.problems.append(f"{name}: {verification.error}")
        expires = verification.expires_at or _token_expiry(data_dir, config.id)
        warning = expiry_warning(expires, moment)
        if warning:
            report.warnings.append(f"{name}: {warning}; re-authenticate before then")
        if not verification.missing and not verification.error:
            report.ok.append(f"{name}: token valid, permissions complete, API reachable")
        if hooks is not None:
            report.ok += hooks.ok
            report.warnings += hooks.warnings
        if empty:
            report.warnings.append(f"{name}: {standard_access_hint(config)}")
    check_database(data_dir, report)
    return report


async def _inbox_empty(adapter: PlatformAdapter) -> bool:
    """Whether the account's API lists no conversation at all (one page, one call)."""
    if str(adapter.account.platform) not in ("messenger", "instagram"):
        return False
    changes = getattr(adapter, "changed_conversations", None)
    if changes is None:
        return False
    return not await changes(None, max_pages=1)


async def _subscription(adapter: PlatformAdapter, app_id: str) -> Subscription | None:
    """The Page's (or Instagram account's) webhook subscription, for Meta accounts."""
    if str(adapter.account.platform) not in ("messenger", "instagram"):
        return None
    from tui.webhooks.subscription import check_subscription  # aiohttp-free, loaded late

    return await check_subscription(adapter, app_id)


def _link_arg(platform: str, api: object) -> str:
    if platform == "instagram":
        return "instagram-login" if str(api) == "instagram_login" else "instagram"
    return "messenger"
