"""``linkdeck link PLATFORM``: the link wizard's steps as plain terminal prompts."""

from __future__ import annotations

import asyncio
import getpass
import os
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import httpx

from tui.adapters.base import Verification
from tui.config import AccountConfig, Prefs, SecretError
from tui.config.paths import secrets_path_for
from tui.config.secrets import run_token_command
from tui.domain import PrivacySettings
from tui.services.account_facts import LinkPlan, find_linked
from tui.services.accounts import AccountManager
from tui.services.api import AlreadyRunning
from tui.services.guides import token_steps
from tui.services.runtime import Runtime, open_runtime
from tui.services.signin import (
    AppCredentials,
    DeviceCodeExpired,
    LinkPlatform,
    LinkTarget,
    SignIn,
    SignInError,
    is_meta_host,
    suggest_account_id,
)

BACKFILL_CHOICES: dict[str, int | None] = {"none": 0, "7": 7, "30": 30, "all": None}
"""History backfill depth offered at link time: days, ``None`` for all."""


@dataclass(frozen=True)
class TokenSource:
    """Where the token the user signed in with lives."""

    kind: str
    """``device``, ``paste``, ``env`` or ``command``."""
    reference: str = ""
    """The variable name or the command line (never the token)."""


def default_graph_url(prefs: Prefs, environ: Mapping[str, str]) -> str | None:
    """``LINKDECK_GRAPH_URL``, else the custom host existing accounts use, else Meta's."""
    if environ.get("LINKDECK_GRAPH_URL"):
        return environ["LINKDECK_GRAPH_URL"]
    for account in prefs.accounts:
        if not is_meta_host(account.graph_url):
            return account.graph_url
    return None


def read_token(source: TokenSource, environ: Mapping[str, str], account_id: str) -> str:
    """The token behind an env variable or a command (pasted ones are given directly).

    Raises:
        SecretError: saying what is wrong, never quoting the token.
    """
    if source.kind == "env":
        value = environ.get(source.reference, "").strip()
        if not value:
            raise SecretError(f"environment variable {source.reference} is not set or empty")
        return value
    if source.kind == "command":
        return run_token_command(source.reference, account_id=account_id)
    raise SecretError(f"no token to read from a {source.kind} source")


def build_plan(
    signin: SignIn,
    target: LinkTarget,
    *,
    account_id: str,
    source: TokenSource,
    source_token: str,
    expires_at: datetime | None,
    privacy: PrivacySettings,
    verification: Verification,
) -> LinkPlan:
    """The account entry and secret to save. A token read from env or a command stays
    there when it is the very token the account uses; anything else goes to secrets.toml."""
    account = signin.account_for(account_id, target)
    config = AccountConfig(
        id=account.id,
        platform=account.platform,
        page_id=account.page_id,
        ig_user_id=account.ig_user_id,
        api=account.api,
        graph_url=account.graph_url,
        name=account.name,
    )
    token: str | None = target.token
    if source.kind in ("env", "command") and target.token == source_token:
        token = None
        if source.kind == "env":
            config = replace(config, token_env=source.reference)
        else:
            config = replace(config, token_command=source.reference)
    return LinkPlan(config, token, expires_at, privacy, verification.granted)


def describe_missing(verification: Verification) -> list[str]:
    """One line per missing permission, naming what it disables."""
    return [f"{p}: {what}" for p, what in sorted(verification.missing.items())]


# -- the terminal version ---------------------------------------------------------------


Ask = Callable[[str], str]


class Prompter:
    """Plain prompts; tests hand in scripted answers."""

    def __init__(self, ask: Ask = input, ask_secret: Ask = getpass.getpass) -> None:
        self.ask = ask
        self.ask_secret = ask_secret

    def choose(self, question: str, options: list[str], default: int = 0) -> int:
        for number, option in enumerate(options, start=1):
            print(f"  {number}) {option}")
        while True:
            answer = self.ask(f"{question} [{default + 1}]: ").strip()
            if not answer:
                return default
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            print(f"  please answer 1 to {len(options)}")

    def yes(self, question: str, default: bool) -> bool:
        hint = "Y/n" if default else "y/N"
        answer = self.ask(f"{question} [{hint}]: ").strip().lower()
        return default if not answer else answer.startswith("y")


async def link_in_terminal(
    platform: LinkPlatform,
    config_path: Path,
    data_dir: Path,
    *,
    prompter: Prompter,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """Walk the seven steps with prompts; returns the exit code."""
    env = os.environ if environ is None else environ
    try:
        runtime = await open_runtime(config_path, data_dir, transport=transport, environ=dict(env))
    except AlreadyRunning as exc:
        print(f"linkdeck link: {exc}")
        return 1
    signin = SignIn(
        platform,
        graph_url=default_graph_url(runtime.prefs, env),
        credentials=AppCredentials.load(runtime.prefs.app_ids, secrets_path_for(config_path), env),
        transport=transport,
    )
    try:
        await signin.discover_simulator()
        print(f"Linking {platform.heading}")
        print("Get the token from Meta's App Dashboard:")
        for number, step in enumerate(token_steps(platform), start=1):
            print(f"  {number}. {step}")
        base = signin.sim_base()
        device = signin.simulated and platform.device_login
        kinds = ["paste", "env", "command"] + (["device"] if device else [])
        labels = {
            "paste": "paste the token the App Dashboard generated (hidden while you type)",
            "env": "read it from an environment variable",
            "command": "read it from a command (e.g. pass show linkdeck/page)",
            "device": "device login (simulator demo only)",
        }
        kind = kinds[prompter.choose("Sign in with", [labels[k] for k in kinds])]
        source = TokenSource(kind)
        if kind == "device":
            device_code = await signin.start_device_login()
            print(f"Open {device_code.verification_uri} and enter the code {device_code.user_code}")
            print(
                "This is the simulator, which has no phone: approve the code from another "
                f"terminal with\n  curl -s -X POST {base}/_sim/device/{device_code.user_code} "
                "-H 'Content-Type: application/json' -d '{\"approve\": true}'"
            )
            print("Waiting for approval (Ctrl+C to give up)...")
            try:
                token = await signin.wait_for_device_login(device_code, sleep=sleep)
            except DeviceCodeExpired:
                print("The code expired before it was approved; run `linkdeck link` again.")
                return 1
            expires_at, source_token = None, ""
        else:
            if kind == "paste":
                if signin.simulated:
                    print(
                        "This is the simulator: its stand-in App Dashboard gives a token with\n"
                        f"  curl -s -X POST {base}/_sim/dashboard/token "
                        "-H 'Content-Type: application/json' "
                        f'-d \'{{"platform": "{platform.value}"}}\''
                    )
                token = prompter.ask_secret("Token: ").strip()
            else:
                question = "Variable name: " if kind == "env" else "Command: "
                source = TokenSource(kind, prompter.ask(question).strip())
                token = read_token(source, env, "new account")
            if not token:
                print("No token given.")
                return 1
            source_token = token
            token, expires_at = await signin.exchange(token)
        targets = await signin.targets(token)
        if not targets:
            print("This token can reach no Page or account to link (is pages_show_list granted?)")
            return 1
        target = targets[prompter.choose("Link which", [t.label for t in targets])]
        existing = find_linked(
            runtime.prefs.accounts, platform.platform, target.page_id, target.ig_user_id
        )
        if existing is not None:
            return await _offer_reauth(runtime, existing, target, expires_at, prompter, transport)
        verification = await signin.check(target)
        if not verification.token_valid:
            print(f"The token does not work: {verification.error}")
            return 1
        missing = describe_missing(verification)
        if missing:
            print("Missing permissions, and what that disables:")
            for line in missing:
                print(f"  - {line}")
            if not prompter.yes("Continue with fewer features?", False):
                print("Nothing was saved.")
                return 1
        else:
            print("All required permissions are granted.")
        receipts = prompter.yes("Send read receipts when you open a conversation?", True)
        typing = prompter.yes("Send typing indicators while you write?", True)
        depths = list(BACKFILL_CHOICES)
        depth = depths[prompter.choose("History backfill", depths, default=2)]
        contacts = prompter.yes("Sync contact names?", True)
        privacy = PrivacySettings(
            send_read_receipts=receipts,
            send_typing=typing,
            sync_contacts=contacts,
            backfill_days=BACKFILL_CHOICES[depth],
        )
        suggested = suggest_account_id(
            target.username or target.name, [a.id for a in runtime.prefs.accounts]
        )
        account_id = prompter.ask(f"Local id for this account [{suggested}]: ").strip() or suggested
        plan = build_plan(
            signin,
            target,
            account_id=account_id,
            source=source,
            source_token=source_token,
            expires_at=expires_at,
            privacy=privacy,
            verification=verification,
        )
        print(review_text(plan, signin.notes))
        if not prompter.yes("Save and start syncing?", True):
            print("Nothing was saved.")
            return 1
        await AccountManager(runtime, transport=transport).link(plan)
        print(f"Linked '{account_id}'. Run `linkdeck` to see its inbox.")
        return 0
    except (SignInError, SecretError, ValueError) as exc:
        print(f"linkdeck link: {exc}")
        return 1
    finally:
        await signin.aclose()
        await runtime.close()


async def _offer_reauth(
    runtime: Runtime,
    existing: AccountConfig,
    target: LinkTarget,
    expires_at: datetime | None,
    prompter: Prompter,
    transport: httpx.AsyncBaseTransport | None,
) -> int:
    """The chosen Page or account is linked already: never a second copy, maybe a re-auth."""
    name = f" ({existing.name})" if existing.name and existing.name != existing.id else ""
    print(
        f"{target.label} is already linked as '{existing.id}'{name}; "
        "linking it again would duplicate every message."
    )
    if not prompter.yes(f"Re-authenticate '{existing.id}' with this token instead?", True):
        print("Nothing was saved.")
        return 1
    manager = AccountManager(runtime, transport=transport)
    await manager.reauthenticate(existing.id, target.token, expires_at)
    print(f"Re-authenticated '{existing.id}'; its sync resumes with the new token.")
    return 0


def review_text(plan: LinkPlan, notes: list[str]) -> str:
    """The review step: what will be written where (never the token)."""
    config, privacy = plan.account, plan.privacy
    ids = ", ".join(
        f"{k} {v}" for k, v in (("Page", config.page_id), ("IG", config.ig_user_id)) if v
    )
    if plan.token is not None:
        where = "secrets.toml (mode 0600)"
    elif config.token_env:
        where = f"environment variable {config.token_env}"
    else:
        where = f"command {shlex.quote(str(config.token_command))}"
    depth = "all" if privacy.backfill_days is None else f"{privacy.backfill_days} days"
    lines = [
        f"Account id:  {config.id}",
        f"Platform:    {config.platform.value}" + (f" ({config.api.value})" if config.api else ""),
        f"Name:        {config.name}  ({ids})",
        f"Token:       {where}",
        f"Backfill:    {depth}; contact sync {'on' if privacy.sync_contacts else 'off'}",
        f"Receipts:    {'on' if privacy.send_read_receipts else 'off'}; "
        f"typing {'on' if privacy.send_typing else 'off'}",
    ]
    if plan.token_expires_at:
        lines.append(f"Expires:     {plan.token_expires_at:%Y-%m-%d %H:%M} UTC")
    lines += [f"Note:        {note}" for note in notes]
    return "\n".join(lines)
