"""Linked accounts' lifecycle: link, unlink, pause, verify, re-authenticate, token refresh."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from tui.adapters import make_adapter
from tui.adapters.base import PlatformAdapter, Verification
from tui.adapters.errors import AdapterError, TokenInvalid
from tui.config import AccountConfig, SecretError, remove_secret, resolve_token, save_secret
from tui.config.paths import secrets_path_for
from tui.config.secrets import app_secret_or_none
from tui.domain import (
    AccountState,
    AccountStatus,
    ActivityEvent,
    InstagramApi,
    Platform,
    PrivacySettings,
)
from tui.domain.clock import iso_moment, utc_now
from tui.services.account_facts import (
    EXPIRES_KEY,
    GRANTED_KEY,
    ISSUED_KEY,
    NEVER,
    AlreadyLinked,
    LinkPlan,
    TokenFacts,
    expiry_warning,
    find_linked,
    token_facts,
    webhook_entry,
)
from tui.services.events import AccountStateChanged, ConversationsChanged
from tui.services.runtime import Runtime
from tui.services.tokencheck import debug_token
from tui.store.maintenance import PURGE_ACCOUNT

log = logging.getLogger(__name__)

REFRESH_WITHIN = timedelta(days=7)
"""Instagram Login tokens are refreshed once they are this close to expiring."""
REFRESH_MIN_AGE = timedelta(hours=24)
"""Meta refuses to refresh an Instagram Login token younger than this."""


class PurgeCutShort(Exception):
    """An unlink went through but its purge did not finish (the next start finishes it)."""


class AccountManager:
    """The account operations the Profiles tab, the wizard and the CLI share.

    It edits config.toml through ``runtime.prefs_file`` (the one writer), secrets through
    secrets.toml (never config.toml), tells the sync engine, and writes the activity log.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.runtime = runtime
        self.transport = transport
        self.clock = clock
        self.last_verification: dict[str, Verification] = {}
        self.last_checked: dict[str, datetime] = {}
        """When each account was last verified (shown with the result in Profiles)."""

    @property
    def secrets_path(self) -> Path:
        return secrets_path_for(self.runtime.prefs_file.path)

    async def _log(self, kind: str, summary: str, account_id: str | None, detail: str = "") -> None:
        event = ActivityEvent(self.clock(), kind, summary, account_id, detail)
        await self.runtime.store.log_activity(event)

    async def _remember(self, account_id: str, facts: Mapping[str, str]) -> None:
        # The platform only matters for conversations; cursors alone ignore it.
        await self.runtime.store.apply_batch(
            account_id, platform=Platform.MESSENGER, cursors=dict(facts)
        )

    async def token_facts(self, account_id: str) -> TokenFacts:
        return await token_facts(self.runtime.store, account_id)

    def _adapter(self, config: AccountConfig, token: str) -> PlatformAdapter:
        return make_adapter(
            config.to_account(),
            token,
            transport=self.transport,
            clock=self.clock,
            app_secret=app_secret_or_none(config.app, self.secrets_path),
        )

    # -- link / unlink -------------------------------------------------------------------

    async def link(self, plan: LinkPlan) -> None:
        """Save the account (config, secret, privacy) and start syncing it.

        Raises:
            AlreadyLinked: the same Page or Instagram account is linked under another id.
            ValueError: the id is taken.
            SecretError, ConfigSyntaxError, OSError: nothing usable was saved.
        """
        runtime, config = self.runtime, plan.account
        if runtime.prefs.account(config.id) is not None:
            raise ValueError(f"an account with id {config.id!r} already exists")
        existing = find_linked(
            runtime.prefs.accounts, config.platform, config.page_id, config.ig_user_id
        )
        if existing is not None:
            raise AlreadyLinked(existing)
        unfinished = await runtime.store.unfinished_purges()
        if unfinished.get(config.id) == PURGE_ACCOUNT:
            # The purge of an account unlinked under this id is still running (or was cut
            # short): it ends first, or it would take what the new link stores.
            await runtime.store.purge_account(config.id)
        if plan.token is not None:
            save_secret(self.secrets_path, config.id, plan.token)
        try:
            runtime.prefs_file.add_account(config)
        except BaseException:
            if plan.token is not None:
                with contextlib.suppress(SecretError, OSError):
                    remove_secret(self.secrets_path, config.id)
            raise
        defaults = PrivacySettings()
        for item in fields(PrivacySettings):
            value = getattr(plan.privacy, item.name)
            if value != getattr(defaults, item.name):
                runtime.prefs_file.set_privacy(config.id, item.name, value)
        runtime.reload_prefs()
        facts = {
            ISSUED_KEY: iso_moment(self.clock()),
            EXPIRES_KEY: iso_moment(plan.token_expires_at),
        }
        if plan.granted:
            facts[GRANTED_KEY] = ",".join(sorted(plan.granted))
        await self._remember(config.id, facts)
        detail = f"platform={config.platform.value} granted={','.join(sorted(plan.granted))}"
        await self._log("link", f"Linked {config.name or config.id}", config.id, detail)
        token = plan.token
        if token is None:
            token = resolve_token(config, self.secrets_path)
        adapter = self._adapter(config, token)
        runtime.adapters[config.id] = adapter
        # The outbox reads the same mapping, so replies can go out at once.
        runtime.engine.add_account(adapter, paused=config.paused)

    async def unlink(self, account_id: str, *, purge: bool) -> int:
        """Stop syncing, remove the account from config and secrets; returns messages purged."""
        runtime = self.runtime
        config = runtime.prefs.account(account_id)
        if purge:
            await runtime.store.begin_account_purge(account_id, _entries(config))
        await self._stop_sync(account_id)
        adapter = runtime.adapters.pop(account_id, None)
        if adapter is not None:
            logout = getattr(adapter, "logout", None)
            if logout is not None:  # Matrix: end the device's session on the homeserver
                with contextlib.suppress(Exception):
                    await logout()
            with contextlib.suppress(Exception):
                await adapter.client.aclose()
        with contextlib.suppress(KeyError):
            runtime.prefs_file.remove_account(account_id)
        removed_secret = remove_secret(self.secrets_path, account_id)
        runtime.reload_prefs()
        purged = 0
        if purge:
            try:
                # With the events webhooks delivered for it and not applied yet: they
                # hold its text too, and nothing is left to apply them to.
                purged = await runtime.store.purge_account(account_id)
            except Exception as exc:
                # Unlinked all the same; the purge's mark stays, so the next start ends it.
                stopped = f"the purge stopped ({type(exc).__name__}: {exc})"
                await self._log("unlink", f"Unlinked {account_id}; {stopped}", account_id)
                raise PurgeCutShort(
                    f"{account_id} is unlinked, but {stopped}; it finishes at the next start"
                ) from exc
            finally:
                # The inbox and the unread count re-read the store on this.
                runtime.bus.publish(ConversationsChanged(account_id, ()))
        else:
            # Keep messages; forget only what belonged to the link itself.
            await self._remember(account_id, {GRANTED_KEY: "", ISSUED_KEY: "", EXPIRES_KEY: ""})
        name = config.name if config and config.name else account_id
        what = f"purged {purged} local messages" if purge else "kept local messages"
        secret = "; its token left secrets.toml" if removed_secret else ""
        await self._log("unlink", f"Unlinked {name}: {what}{secret}", account_id)
        platform = config.platform.value if config else ""
        status = AccountStatus(account_id, platform, AccountState.PAUSED, "unlinked")
        runtime.bus.publish(AccountStateChanged(status))
        return purged

    async def _stop_sync(self, account_id: str) -> None:
        """Cancel the account's sync task, never in the middle of a store transaction.

        A task cancelled between BEGIN and COMMIT would leave the shared connection inside
        a transaction and break every later write; holding the store's write lock while
        cancelling means the task is between transactions when the cancellation lands.
        """
        lock = getattr(self.runtime.store, "_write_lock", None)
        if isinstance(lock, asyncio.Lock):
            async with lock:
                await self.runtime.engine.remove_account(account_id)
        else:
            await self.runtime.engine.remove_account(account_id)

    # -- pause / re-authenticate -----------------------------------------------------------

    async def set_paused(self, account_id: str, paused: bool) -> None:
        """Pause or resume one account's sync, and remember it in config.toml."""
        self.runtime.prefs_file.set_account_field(account_id, "paused", True if paused else None)
        self.runtime.reload_prefs()
        if account_id in self.runtime.engine.accounts:
            self.runtime.engine.pause(account_id, paused)
        verb = "Paused" if paused else "Resumed"
        await self._log("preference", f"{verb} sync", account_id, f"paused={paused}")

    async def reauthenticate(
        self, account_id: str, token: str, expires_at: datetime | None = None
    ) -> Verification:
        """Use a new token: saved to secrets.toml (config.toml is untouched), sync wakes."""
        config = self.runtime.prefs.account(account_id)
        if config is None:
            raise KeyError(f"no account with id {account_id!r}")
        adapter = self._adapter(config, token)
        verification = await adapter.verify()
        if not verification.token_valid:
            await adapter.client.aclose()
            raise SecretError(f"account '{account_id}': the new token is not valid either")
        if config.token_env or config.token_command:
            self.runtime.prefs_file.set_account_field(account_id, "token_env", None)
            self.runtime.prefs_file.set_account_field(account_id, "token_command", None)
            self.runtime.reload_prefs()
        save_secret(self.secrets_path, account_id, token)
        self._swap_adapter(adapter)
        await self._remember(
            account_id,
            {ISSUED_KEY: iso_moment(self.clock()), EXPIRES_KEY: iso_moment(expires_at)},
        )
        await self._log("reauth", "Re-authenticated with a new token", account_id)
        await self._note_permissions(account_id, verification)
        return verification

    def _swap_adapter(self, adapter: PlatformAdapter) -> None:
        account_id = adapter.account.id
        old = self.runtime.adapters.get(account_id)
        self.runtime.adapters[account_id] = adapter
        if account_id in self.runtime.engine.accounts:
            self.runtime.engine.replace_adapter(adapter)
            self.runtime.engine.poll_now(account_id)
        if old is not None and old is not adapter:
            # Closed later by the runtime if still in use elsewhere; its pool is tiny.
            log.debug("replaced the adapter of %s", account_id)

    # -- verification and token refresh -------------------------------------------------

    async def verify(self, account_id: str) -> Verification | None:
        """Check one account now; logs permission changes; ``None`` when it has no adapter."""
        adapter = self.runtime.adapters.get(account_id)
        if adapter is None:
            return None
        verification = await adapter.verify()
        config = self.runtime.prefs.account(account_id)
        if verification.token_valid and config is not None:
            verification = await self._debug_page_token(config, adapter, verification)
        self.last_verification[account_id] = verification
        self.last_checked[account_id] = self.clock()
        if verification.token_valid:
            await self._note_permissions(account_id, verification)
        else:
            sync = self.runtime.engine.accounts.get(account_id)
            if sync is not None:
                await sync.handle_error(TokenInvalid(_reason(verification)))
        return verification

    async def _debug_page_token(
        self, config: AccountConfig, adapter: PlatformAdapter, verification: Verification
    ) -> Verification:
        """With the Facebook app's id and secret, ``debug_token`` gives the token's own
        status: its expiry (or that it never expires), or that Meta no longer honours it."""
        app_id = self.runtime.prefs.app_ids.get("facebook") or os.environ.get("LINKDECK_APP_ID")
        secret = app_secret_or_none("facebook", self.secrets_path)
        client = getattr(adapter, "client", None)
        if config.platform is Platform.MATRIX:
            return verification  # a homeserver's token: Meta's debug_token knows nothing of it
        if config.app != "facebook" or not app_id or not secret or client is None:
            return verification
        status = await debug_token(
            client.token(),
            app_id=app_id,
            app_secret=secret,
            graph_url=config.graph_url,
            transport=self.transport,
            clock=self.clock,
        )
        if status is None:
            return verification
        if not status.valid:
            return replace(
                verification,
                token_valid=False,
                error="token invalid: " + (status.error[:200] or "debug_token says not valid"),
            )
        stored = NEVER if status.never_expires else iso_moment(status.expires_at)
        if status.never_expires or status.expires_at is not None:
            await self._remember(config.id, {EXPIRES_KEY: stored})
        return replace(verification, expires_at=status.expires_at)

    async def _note_permissions(self, account_id: str, verification: Verification) -> None:
        cursors = await self.runtime.store.cursors(account_id)
        before_raw = cursors.get(GRANTED_KEY)
        now_set = set(verification.granted)
        if before_raw is not None and before_raw != "":
            before = set(before_raw.split(","))
            if before != now_set:
                lost, gained = sorted(before - now_set), sorted(now_set - before)
                parts = [f"lost {', '.join(lost)}"] if lost else []
                parts += [f"gained {', '.join(gained)}"] if gained else []
                await self._log(
                    "permission_change",
                    "Permissions changed: " + "; ".join(parts),
                    account_id,
                    f"lost={','.join(lost)} gained={','.join(gained)}",
                )
        await self._remember(account_id, {GRANTED_KEY: ",".join(sorted(now_set))})

    async def refresh_if_due(self, account_id: str) -> bool:
        """Refresh an Instagram Login token within :data:`REFRESH_WITHIN` of expiry.

        Never before it is 24 hours old, never once expired (Meta refuses both). The new
        token goes where the old came from when that was secrets.toml; a token from an
        environment variable or a command cannot be written back, so a warning is logged.
        """
        runtime = self.runtime
        config = runtime.prefs.account(account_id)
        adapter = runtime.adapters.get(account_id)
        if config is None or adapter is None or config.api is not InstagramApi.INSTAGRAM_LOGIN:
            return False
        facts = await self.token_facts(account_id)
        now = self.clock()
        if facts.issued_at is not None and now - facts.issued_at < REFRESH_MIN_AGE:
            return False
        if facts.expires_at is None:
            # A pasted token of unknown age: once it is 24 h old, one refresh tells its
            # expiry (and buys 60 days); before that Meta refuses the refresh.
            if facts.issued_at is None:
                return False
        elif facts.expires_at <= now or facts.expires_at - now > REFRESH_WITHIN:
            return False
        if config.token_env or config.token_command:
            if facts.expires_at is None:
                return False
            await self._log(
                "token_refresh",
                "Token expires soon but comes from an environment variable or a command: "
                "refresh it there",
                account_id,
            )
            return False
        current = self._adapter(config, resolve_token(config, self.secrets_path))
        try:
            result = await current.refresh_token()
        except AdapterError as exc:
            await self._log("token_refresh", f"Token refresh failed: {exc}", account_id)
            return False
        finally:
            await current.client.aclose()
        if result is None:
            return False
        token, expires_at = result
        save_secret(self.secrets_path, account_id, token)
        self._swap_adapter(self._adapter(config, token))
        await self._remember(
            account_id,
            {ISSUED_KEY: iso_moment(now), EXPIRES_KEY: iso_moment(expires_at)},
        )
        until = f"; now valid until {expires_at:%Y-%m-%d}" if expires_at else ""
        learned = " to learn its expiry" if facts.expires_at is None else ""
        await self._log("token_refresh", f"Token refreshed{learned}{until}", account_id)
        return True

    async def maintain(self) -> None:
        """Periodic care: refresh tokens that are due, verify every account."""
        for account_id in list(self.runtime.adapters):
            with contextlib.suppress(AdapterError, SecretError, OSError):
                await self.refresh_if_due(account_id)
            with contextlib.suppress(AdapterError):
                await self.verify(account_id)
            await self._warn_expiry(account_id)

    async def _warn_expiry(self, account_id: str) -> None:
        """A token ending within a week (and not refreshed above) is announced once."""
        alerting = self.runtime.alerting
        if alerting is None:
            return
        facts = await self.token_facts(account_id)
        warning = expiry_warning(facts.expires_at, self.clock())
        if warning and facts.expires_at is not None and facts.expires_at > self.clock():
            alerting.token_expiring(account_id, facts.expires_at, warning)


def _reason(verification: Verification) -> str:
    error = verification.error or ""
    return error.removeprefix("token invalid: ") or "invalid"


def runtime_transport(runtime: Runtime) -> httpx.AsyncBaseTransport | None:
    """The transport the runtime's adapters use (the in-process simulator in the demo).

    New adapters (link, re-authentication) must go the same way as the existing ones.
    """
    return runtime.transport


def _entries(config: AccountConfig | None) -> list[tuple[str, str]]:
    """The webhook names of an account's events (none for an account not configured)."""
    if config is None:
        return []
    entry = webhook_entry(config.platform, config.page_id, config.ig_user_id)
    return [] if entry is None else [entry]
