"""The link wizard: seven keyboard-only steps; nothing is written before the last one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Input,
    OptionList,
    RadioSet,
    Static,
)
from textual.widgets.option_list import Option

from tui.adapters.base import Verification
from tui.config import AccountConfig, SecretError
from tui.config.paths import secrets_path_for
from tui.domain import PrivacySettings
from tui.modals.link_keys import LinkWizardKeys
from tui.modals.link_steps import (
    SIGNIN_LABELS,
    STEP_TITLES,
    STEPS,
    compose_steps,
    device_text,
    duplicate_view,
    permissions_view,
    steps_text,
    target_label,
)
from tui.services.account_facts import LinkPlan, find_linked
from tui.services.api import Service
from tui.services.linking import (
    BACKFILL_CHOICES,
    TokenSource,
    build_plan,
    default_graph_url,
    read_token,
    review_text,
)
from tui.services.signin import (
    AppCredentials,
    DeviceCode,
    DeviceCodeExpired,
    LinkPlatform,
    LinkTarget,
    SignIn,
    SignInError,
    suggest_account_id,
)
from tui.widgets.safe import safe

__all__ = ["STEPS", "LinkWizard", "poll_sleep"]

poll_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
"""How the device-login poll waits between polls (tests make it instant)."""


class LinkWizard(LinkWizardKeys):
    """Links a new account (or, with ``reauth``, signs an existing one in again).

    Dismissed with the account id once saved, or ``None`` when cancelled. Its keys are
    on :class:`LinkWizardKeys`.
    """

    DEFAULT_CSS = """
    LinkWizard {
        align: center middle;
        #wizard {
            width: 84;
            height: auto;
            max-height: 90%;
            border: thick $primary 60%;
            background: $surface;
            padding: 1 2;
        }
        #wizard-title { text-style: bold; margin-bottom: 1; }
        ContentSwitcher { height: auto; }
        ContentSwitcher > Vertical { height: auto; }
        OptionList { height: auto; max-height: 10; }
        #device-box, #target-note, #permissions-text, #review-text { margin: 1 0; }
        #wizard-status { color: $warning; margin-top: 1; }
        #wizard-help { color: $text-muted; }
        .hidden { display: none; }
    }
    """

    def __init__(
        self,
        service: Service,
        *,
        reauth: AccountConfig | None = None,
        credentials: AppCredentials | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.reauth = reauth
        self.credentials = credentials or AppCredentials.load(
            service.prefs.app_ids, secrets_path_for(service.config_path), os.environ
        )
        self.step = "platform"
        self.signin: SignIn | None = None
        self.source = TokenSource("paste")
        self.source_token = ""
        self.expires_at: datetime | None = None
        self.device: DeviceCode | None = None
        self.targets: list[LinkTarget] = []
        self.target: LinkTarget | None = None
        self.verification: Verification | None = None
        self.plan: LinkPlan | None = None
        self.duplicate: AccountConfig | None = None
        """The account the chosen target is linked as already (re-auth is offered)."""

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard"):
            yield Static(id="wizard-title")
            yield from compose_steps()
            yield Static(id="wizard-status")
            yield Static("enter choose · tab next field · esc back", id="wizard-help")

    def on_mount(self) -> None:
        if self.reauth is not None:
            api = self.reauth.api.value if self.reauth.api else None
            platform = (
                LinkPlatform.INSTAGRAM_LOGIN
                if api == "instagram_login"
                else (LinkPlatform.INSTAGRAM_PAGE if api == "page" else LinkPlatform.MESSENGER)
            )
            self._choose_platform(platform)
        else:
            self.go("platform")

    def go(self, step: str) -> None:
        self.step = step
        self.query_one(ContentSwitcher).current = f"step-{step}"
        number = STEPS.index(step) + 1
        what = (
            "Re-authenticate " + (self.reauth.id if self.reauth else "")
            if self.reauth
            else ("Link an account")
        )
        self.query_one("#wizard-title", Static).update(
            Content.assemble(
                safe(what, max_chars=40, single_line=True),
                f" · step {number} of 7: {STEP_TITLES[step]}",
            )
        )
        self.say("")
        focus = {"messaging": "#messaging-next", "sync": "#sync-next", "review": "#confirm"}
        target = focus.get(step)
        if target:
            self.query_one(target).focus()
        else:
            pane = self.query_one(f"#step-{step}")
            first = next((w for w in pane.query("OptionList, Input") if w.display), None)
            if isinstance(first, OptionList) and first.option_count:
                # Options added while the step was hidden start with nothing highlighted.
                first.highlighted = first.highlighted or 0
            if first is not None:
                first.focus()

    def say(self, text: str | Content) -> None:
        self.query_one("#wizard-status", Static).update(text)

    def action_back(self) -> None:
        self.workers.cancel_group(self, "wizard-device")
        if self.step == "target" and self.duplicate is not None:
            self._hide_duplicate()
            return
        index = STEPS.index(self.step)
        if index == 0 or (self.reauth is not None and self.step == "signin"):
            self._close(None)
            return
        back = STEPS[index - 1]
        if back == "signin":
            self._show_signin_methods()
        self.go(back)

    def _close(self, result: str | None) -> None:
        if self.signin is not None:
            self.run_worker(self.signin.aclose(), exit_on_error=False)
        self.dismiss(result)

    # -- step 1 and 2: platform, sign in ----------------------------------------------------

    @on(OptionList.OptionSelected, "#platform-list")
    def _platform_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == "matrix":  # its own steps: tui/modals/matrix_link.py
            from tui.modals.matrix_link import MatrixLinkScreen

            self.app.push_screen(MatrixLinkScreen(self.service), self._close)
            return
        self._choose_platform(LinkPlatform(str(event.option_id)))

    def _choose_platform(self, platform: LinkPlatform) -> None:
        graph_url = self.reauth.graph_url if self.reauth else None
        graph_url = graph_url or default_graph_url(self.service.prefs, os.environ)
        self.signin = SignIn(
            platform,
            graph_url=graph_url,
            credentials=self.credentials,
            transport=self.service.transport,
            clock=self.service.clock,
        )
        self._prepare_signin()

    @work(group="wizard-step", exclusive=True, exit_on_error=False)
    async def _prepare_signin(self) -> None:
        assert self.signin is not None
        # Whether this is the simulator decides what is offered (device login: demo only).
        await self.signin.discover_simulator()
        self._show_signin_methods()
        self.go("signin")

    def _show_signin_methods(self) -> None:
        assert self.signin is not None
        signin = self.signin
        self.query_one("#signin-steps", Static).update(
            steps_text(signin.platform, simulated=signin.simulated)
        )
        device = signin.simulated and signin.platform.device_login
        kinds = ["paste", "env", "command"] + (["device"] if device else [])
        methods = self.query_one("#signin-list", OptionList)
        methods.clear_options()
        methods.add_options([Option(SIGNIN_LABELS[k], id=k) for k in kinds])
        methods.highlighted = 0
        for widget_id in ("#device-box", "#token-input", "#source-input"):
            self.query_one(widget_id).add_class("hidden")

    @on(OptionList.OptionSelected, "#signin-list")
    def _signin_chosen(self, event: OptionList.OptionSelected) -> None:
        kind = str(event.option_id)
        self.source = TokenSource(kind)
        for widget_id in ("#device-box", "#token-input", "#source-input"):
            self.query_one(widget_id).add_class("hidden")
        if kind == "device":
            self.query_one("#device-box").remove_class("hidden")
            self.device_flow()
            return
        box = self.query_one("#token-input" if kind == "paste" else "#source-input", Input)
        if kind == "env":
            box.placeholder = "name of the environment variable, then enter"
        elif kind == "command":
            box.placeholder = "command that prints the token, then enter"
        box.remove_class("hidden")
        box.focus()

    @work(group="wizard-device", exclusive=True, exit_on_error=False)
    async def device_flow(self) -> None:
        signin = self.signin
        assert signin is not None
        box = self.query_one("#device-box", Static)
        try:
            await signin.discover_simulator()
            device = await signin.start_device_login()
            self.device = device
            box.update(device_text(device, simulated=signin.simulated))
            token = await signin.wait_for_device_login(device, sleep=poll_sleep)
        except DeviceCodeExpired:
            box.update("The code expired before it was approved.")
            self.say("Choose device login again for a new code, or another way to sign in.")
            self.query_one("#signin-list").focus()
            return
        except SignInError as exc:
            box.add_class("hidden")
            self.say(safe(str(exc), max_chars=300))
            return
        box.update("Approved.")
        self.source_token = ""
        await self._after_token(token, exchange=False)

    async def action_simulate_phone(self) -> None:
        """Simulator only: approve the device code, or paste its dashboard's token."""
        signin = self.signin
        if signin is None or not signin.simulated or self.step != "signin":
            return
        if self.device is not None and self.source.kind == "device":
            await signin.approve_on_simulator(self.device)
            return
        box = self.query_one("#token-input", Input)
        if self.source.kind == "paste" and box.display:
            try:
                token = await signin.token_from_simulated_dashboard()
            except SignInError as exc:
                self.say(safe(str(exc), max_chars=300))
                return
            self.source_token = token
            self._with_token(token)

    @on(Input.Submitted, "#token-input")
    async def _token_pasted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        event.input.value = ""
        if not token:
            self.say("Paste a token first.")
            return
        self.source_token = token
        self._with_token(token)

    @on(Input.Submitted, "#source-input")
    def _source_given(self, event: Input.Submitted) -> None:
        reference = event.value.strip()
        if not reference:
            return
        self.source = TokenSource(self.source.kind, reference)
        self._read_source()

    @work(group="wizard-step", exclusive=True, exit_on_error=False)
    async def _read_source(self) -> None:
        try:
            # A token command may take seconds (a password manager asking for its PIN).
            token = await asyncio.to_thread(read_token, self.source, os.environ, "new account")
        except SecretError as exc:
            self.say(safe(str(exc), max_chars=300))
            return
        self.source_token = token
        await self._after_token(token, exchange=True)

    @work(group="wizard-step", exclusive=True, exit_on_error=False)
    async def _with_token(self, token: str) -> None:
        await self._after_token(token, exchange=True)

    async def _after_token(self, token: str, *, exchange: bool) -> None:
        signin = self.signin
        assert signin is not None
        self.say("Looking up what this token can reach…")
        try:
            if exchange:
                await signin.discover_simulator()
                token, self.expires_at = await signin.exchange(token)
            else:
                self.expires_at = None
            self.targets = await signin.targets(token)
        except SignInError as exc:
            self.say(safe(str(exc), max_chars=300))
            return
        if self.reauth is not None:
            await self._finish_reauth()
            return
        self._hide_duplicate()
        listing = self.query_one("#target-list", OptionList)
        listing.clear_options()
        listing.add_options(
            [
                Option(target_label(t, self.service.prefs.accounts, signin.platform), id=str(i))
                for i, t in enumerate(self.targets)
            ]
        )
        note = (
            "Choose the one to link."
            if self.targets
            else ("This token reaches nothing to link (is pages_show_list granted?). Press esc.")
        )
        self.query_one("#target-note", Static).update(note)
        self.go("target")

    async def _finish_reauth(self) -> None:
        config = self.reauth
        assert config is not None
        match = next(
            (
                t
                for t in self.targets
                if (config.ig_user_id and t.ig_user_id == config.ig_user_id)
                or (not config.ig_user_id and t.page_id == config.page_id)
            ),
            None,
        )
        if match is None:
            # The name is the Page's own, as Meta gave it: text, never markup.
            who = safe(config.name or config.id, max_chars=60, single_line=True)
            self.say(Content.assemble("This token cannot reach ", who, "; sign in as its owner."))
            return
        try:
            await self.service.reauthenticate(config.id, match.token, self.expires_at)
        except (SecretError, OSError) as exc:
            self.say(safe(str(exc), max_chars=300))
            return
        self._close(config.id)

    # -- steps 3 and 4: target, permissions ------------------------------------------------

    @on(OptionList.OptionSelected, "#target-list")
    def _target_chosen(self, event: OptionList.OptionSelected) -> None:
        assert self.signin is not None
        self.target = self.targets[int(str(event.option_id))]
        existing = find_linked(
            self.service.prefs.accounts,
            self.signin.platform.platform,
            self.target.page_id,
            self.target.ig_user_id,
        )
        if existing is None:
            self._check_target()
            return
        # Never a second copy of an inbox: offer to sign the existing account in again.
        self.duplicate = existing
        text, options = duplicate_view(self.target, existing)
        note = self.query_one("#duplicate-note", Static)
        note.update(text)
        choices = self.query_one("#duplicate-choice", OptionList)
        choices.clear_options()
        choices.add_options(options)
        choices.highlighted = 0
        note.remove_class("hidden")
        choices.remove_class("hidden")
        self.query_one("#target-list").add_class("hidden")
        self.query_one("#target-note").add_class("hidden")
        choices.focus()

    def _hide_duplicate(self) -> None:
        self.duplicate = None
        self.query_one("#duplicate-note").add_class("hidden")
        self.query_one("#duplicate-choice").add_class("hidden")
        self.query_one("#target-note").remove_class("hidden")
        listing = self.query_one("#target-list", OptionList)
        listing.remove_class("hidden")
        listing.focus()

    @on(OptionList.OptionSelected, "#duplicate-choice")
    def _duplicate_answered(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == "reauth" and self.duplicate is not None:
            self._reauth_existing(self.duplicate)
        else:
            self._hide_duplicate()

    @work(group="wizard-step", exclusive=True, exit_on_error=False)
    async def _reauth_existing(self, existing: AccountConfig) -> None:
        assert self.target is not None
        try:
            await self.service.reauthenticate(existing.id, self.target.token, self.expires_at)
        except (SecretError, OSError) as exc:
            self.say(safe(str(exc), max_chars=300))
            return
        self.notify(f"Re-authenticated {existing.id}; its sync resumes.", markup=False)
        self._close(existing.id)

    @work(group="wizard-step", exclusive=True, exit_on_error=False)
    async def _check_target(self) -> None:
        assert self.signin is not None and self.target is not None
        self.say("Checking permissions…")
        verification = await self.signin.check(self.target)
        self.verification = verification
        text, options = permissions_view(verification)
        choices = self.query_one("#permissions-choice", OptionList)
        choices.clear_options()
        choices.add_options(options)
        choices.highlighted = 0
        self.query_one("#permissions-text", Static).update(text)
        self.go("permissions")

    @on(OptionList.OptionSelected, "#permissions-choice")
    def _permissions_answered(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == "continue":
            self.go("messaging")
        else:
            self.action_back()

    # -- steps 5 to 7: preferences, sync, review -------------------------------------------

    @on(Button.Pressed, "#messaging-next")
    def _messaging_done(self) -> None:
        self.go("sync")

    @on(Button.Pressed, "#sync-next")
    def _sync_done(self) -> None:
        assert self.target is not None
        taken = [a.id for a in self.service.prefs.accounts]
        box = self.query_one("#account-id", Input)
        if not box.value:
            box.value = suggest_account_id(self.target.username or self.target.name, taken)
        self._update_review()
        self.go("review")

    def privacy(self) -> PrivacySettings:
        pressed = self.query_one("#backfill", RadioSet).pressed_index
        depth = list(BACKFILL_CHOICES.values())[pressed if pressed >= 0 else 2]
        return PrivacySettings(
            send_read_receipts=self.query_one("#opt-receipts", Checkbox).value,
            send_typing=self.query_one("#opt-typing", Checkbox).value,
            notification_text=self.query_one("#opt-text", Checkbox).value,
            sync_contacts=self.query_one("#opt-contacts", Checkbox).value,
            backfill_days=depth,
        )

    @on(Input.Changed, "#account-id")
    def _update_review(self) -> None:
        if self.signin is None or self.target is None or self.verification is None:
            return
        account_id = self.query_one("#account-id", Input).value.strip() or "account"
        self.plan = build_plan(
            self.signin,
            self.target,
            account_id=account_id,
            source=self.source,
            source_token=self.source_token,
            expires_at=self.expires_at,
            privacy=self.privacy(),
            verification=self.verification,
        )
        self.query_one("#review-text", Static).update(
            safe(review_text(self.plan, self.signin.notes), max_chars=2000)
        )

    @on(Button.Pressed, "#confirm")
    @work(group="wizard-step", exclusive=True, exit_on_error=False)
    async def _confirm(self) -> None:
        self._update_review()
        plan = self.plan
        if plan is None:
            return
        try:
            await self.service.link_account(plan)
        except (ValueError, SecretError, OSError) as exc:
            self.say(safe(str(exc), max_chars=300))
            return
        self.notify(f"Linked {plan.account.id}; its sync has started.", markup=False)
        self._close(plan.account.id)
