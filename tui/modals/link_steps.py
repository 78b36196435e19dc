"""The link wizard's step layout and the texts its steps show."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import (
    Button,
    ContentSwitcher,
    Input,
    OptionList,
    RadioSet,
    Static,
)
from textual.widgets.option_list import Option

from tui.adapters.base import Verification
from tui.config import AccountConfig
from tui.services.account_facts import find_linked
from tui.services.guides import token_steps
from tui.services.linking import BACKFILL_CHOICES, describe_missing
from tui.services.signin import DeviceCode, LinkPlatform, LinkTarget
from tui.widgets.safe import safe
from tui.widgets.toggles import GlyphCheckbox, GlyphRadioButton

__all__ = [
    "SIGNIN_LABELS",
    "STEPS",
    "STEP_TITLES",
    "compose_steps",
    "device_text",
    "duplicate_view",
    "permissions_view",
    "steps_text",
    "target_label",
]

STEPS = ("platform", "signin", "target", "permissions", "messaging", "sync", "review")
STEP_TITLES = {
    "platform": "choose the platform",
    "signin": "sign in",
    "target": "choose the account",
    "permissions": "check permissions",
    "messaging": "messaging preferences",
    "sync": "data sync",
    "review": "review and confirm",
}
SIGNIN_LABELS = {
    "device": "Device login (simulator demo only: Meta documents none for these permissions)",
    "paste": "Paste the token the App Dashboard generated (hidden while you type)",
    "env": "Read it from an environment variable",
    "command": "Read it from a command (e.g. pass show linkdeck/page)",
}


MATRIX_HEADING = "Matrix (personal Messenger and Instagram through a bridge, any room)"


def compose_steps() -> ComposeResult:
    """One container per step inside a switcher; the wizard shows one at a time."""
    with ContentSwitcher(initial="step-platform"):
        with Vertical(id="step-platform"):
            yield OptionList(
                *(Option(p.heading, id=p.value) for p in LinkPlatform),
                Option(MATRIX_HEADING, id="matrix"),
                id="platform-list",
            )
        with Vertical(id="step-signin"):
            yield Static(id="signin-steps")
            yield OptionList(id="signin-list")
            yield Static(id="device-box", classes="hidden")
            yield Input(
                password=True,
                placeholder="paste the token (it stays hidden), then enter",
                id="token-input",
                classes="hidden",
            )
            yield Input(id="source-input", classes="hidden")
        with Vertical(id="step-target"):
            yield Static(id="target-note")
            yield OptionList(id="target-list")
            yield Static(id="duplicate-note", classes="hidden")
            yield OptionList(id="duplicate-choice", classes="hidden")
        with Vertical(id="step-permissions"):
            yield Static(id="permissions-text")
            yield OptionList(id="permissions-choice")
        with Vertical(id="step-messaging"):
            yield GlyphCheckbox(
                "Send read receipts when I open a conversation", True, id="opt-receipts"
            )
            yield GlyphCheckbox("Send typing indicators while I write", True, id="opt-typing")
            yield GlyphCheckbox("Show message text in notifications", True, id="opt-text")
            yield Button("Next", id="messaging-next")
        with Vertical(id="step-sync"):
            yield Static("History to fetch now:")
            with RadioSet(id="backfill"):
                for label in BACKFILL_CHOICES:
                    text = (
                        "none"
                        if label == "none"
                        else ("all" if label == "all" else f"{label} days")
                    )
                    yield GlyphRadioButton(text, value=label == "30")
            yield GlyphCheckbox("Sync contact names", True, id="opt-contacts")
            yield Button("Next", id="sync-next")
        with Vertical(id="step-review"):
            yield Input(id="account-id", placeholder="local id for this account")
            yield Static(id="review-text")
            yield Button("Link and start syncing", id="confirm", variant="primary")


def target_label(
    target: LinkTarget, accounts: Iterable[AccountConfig], platform: LinkPlatform
) -> Content:
    """The target, and the local id it is already linked as, if it is."""
    existing = find_linked(accounts, platform.platform, target.page_id, target.ig_user_id)
    label = safe(target.label, max_chars=60, single_line=True)
    if existing is None:
        return label
    linked = existing.id
    return Content.assemble(
        label,
        Content.styled(" (already linked as ", "$text-muted"),
        safe(linked, style="$text-muted", max_chars=30, single_line=True),
        Content.styled(")", "$text-muted"),
    )


def duplicate_view(target: LinkTarget, existing: AccountConfig) -> tuple[Content, list[Option]]:
    """A target that is linked already: say so, and offer re-auth of that account instead."""
    name = existing.name if existing.name and existing.name != existing.id else ""
    text = Content.assemble(
        safe(target.label, style="bold", max_chars=60, single_line=True),
        " is already linked as ",
        safe(existing.id, style="bold", max_chars=30, single_line=True),
        Content(" (") + safe(name, max_chars=40, single_line=True) + Content(")") if name else "",
        ".\nLinking it again would duplicate every message.",
    )
    return text, [
        Option(
            Content.assemble(
                "Re-authenticate ",
                safe(existing.id, max_chars=30, single_line=True),
                " with this token",
            ),
            id="reauth",
        ),
        Option("Back: choose another account", id="back"),
    ]


def steps_text(platform: LinkPlatform, *, simulated: bool) -> Content:
    """Where the token comes from: the App Dashboard's steps for this platform."""
    lines = [Content.styled("Get the token from Meta's App Dashboard:", "bold")]
    lines += [Content(f"{n}. {step}") for n, step in enumerate(token_steps(platform), 1)]
    if simulated:
        lines.append(
            Content.styled(
                "This is the simulator: choose paste and press F2 to fill in the token its "
                "stand-in dashboard generates.",
                "$text-muted",
            )
        )
    return Content("\n").join(lines)


def device_text(device: DeviceCode, *, simulated: bool) -> Content:
    """Where to go and which code to type, while the terminal waits."""
    return Content.assemble(
        "On your phone or any browser open\n    ",
        safe(device.verification_uri, style="$accent bold", single_line=True),
        "\nand enter the code\n    ",
        safe(device.user_code, style="$accent bold", single_line=True),
        f"\nWaiting for approval (the code expires at {device.expires_at:%H:%M} UTC)…",
        Content.styled(
            "\nThis is the simulator: press F2 to approve as the phone would." if simulated else "",
            "$text-muted",
        ),
    )


def permissions_view(verification: Verification) -> tuple[Content, list[Option]]:
    """Step 4: what is granted or missing (with what each disables), and the choices."""
    if not verification.token_valid:
        text = Content.assemble(
            Content.styled("The token does not work: ", "$error"),
            safe(verification.error or "invalid", max_chars=200),
        )
        return text, [Option("Back: sign in again", id="back")]
    if verification.missing:
        text = Content.assemble(
            Content.styled("Missing permissions, and what that disables:\n", "$warning"),
            Content("\n").join(Content(f"  • {line}") for line in describe_missing(verification)),
        )
        return text, [
            Option("Continue with fewer features", id="continue"),
            Option("Back: choose another account or sign in again", id="back"),
        ]
    granted = ", ".join(sorted(verification.required))
    text = Content.styled(f"All required permissions are granted:\n  {granted}", "$success")
    return text, [Option("Continue", id="continue")]
