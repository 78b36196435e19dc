"""The link wizard's Matrix path: user id, homeserver, password or access token, link.

Reached from the wizard's first step ("Matrix"). The steps themselves live in
:mod:`tui.services.matrix_link`; this screen only asks and shows.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.services.api import Service
from tui.services.matrix_link import MatrixLinkError, discover, login, plan_for, server_name
from tui.services.signin import suggest_account_id
from tui.widgets.safe import safe


class MatrixLinkScreen(ModalScreen[str | None]):
    """Sign in to a homeserver and link the account; dismisses with its id, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="matrix_link.cancel")
    ]
    DEFAULT_CSS = """
    MatrixLinkScreen { align: center middle; }
    MatrixLinkScreen > Vertical {
        width: 80; height: auto; padding: 1 2; border: thick $primary; background: $surface;
    }
    MatrixLinkScreen Input { margin-bottom: 1; }
    #matrix-status { color: $text-muted; }
    """

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                "Link a Matrix account. Bridged Messenger and Instagram chats show under "
                "their network; the password is used once and never stored."
            )
            yield Input(placeholder="@name:example.org", id="matrix-user")
            yield Input(placeholder="homeserver URL (found from the user id)", id="matrix-hs")
            yield Input(password=True, placeholder="password (or leave empty)", id="matrix-pw")
            yield Input(password=True, placeholder="or an access token", id="matrix-token")
            yield Input(placeholder="local id for this account", id="matrix-id")
            yield Static("Enter moves on; enter in the last field links.", id="matrix-status")

    def on_mount(self) -> None:
        self.query_one("#matrix-user", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _say(self, text: str) -> None:
        self.query_one("#matrix-status", Static).update(safe(text, max_chars=300))

    @on(Input.Submitted, "#matrix-user")
    def _user_given(self) -> None:
        self._fill_defaults()
        self.query_one("#matrix-hs", Input).focus()

    @work(group="matrix-discover", exclusive=True, exit_on_error=False)
    async def _fill_defaults(self) -> None:
        user_id = self.query_one("#matrix-user", Input).value.strip()
        try:
            domain = server_name(user_id)
        except MatrixLinkError as exc:
            self._say(str(exc))
            return
        taken = [a.id for a in self.service.prefs.accounts]
        ident = self.query_one("#matrix-id", Input)
        if not ident.value:
            ident.value = suggest_account_id(user_id[1:].split(":", 1)[0], taken)
        homeserver = self.query_one("#matrix-hs", Input)
        if homeserver.value:
            return
        self._say(f"Looking up {domain}/.well-known/matrix/client ...")
        found = await discover(user_id)
        if not homeserver.value:
            homeserver.value = found or f"https://{domain}"
        self._say("Homeserver found." if found else "No .well-known; check the URL.")

    @on(Input.Submitted, "#matrix-hs")
    def _hs_given(self) -> None:
        self.query_one("#matrix-pw", Input).focus()

    @on(Input.Submitted, "#matrix-pw")
    def _pw_given(self) -> None:
        if self.query_one("#matrix-pw", Input).value:
            self.query_one("#matrix-id", Input).focus()
        else:
            self.query_one("#matrix-token", Input).focus()

    @on(Input.Submitted, "#matrix-token")
    def _token_given(self) -> None:
        self.query_one("#matrix-id", Input).focus()

    @on(Input.Submitted, "#matrix-id")
    def _submit(self) -> None:
        self._link()

    @work(group="matrix-link", exclusive=True, exit_on_error=False)
    async def _link(self) -> None:
        user_id = self.query_one("#matrix-user", Input).value.strip()
        homeserver = self.query_one("#matrix-hs", Input).value.strip()
        password = self.query_one("#matrix-pw", Input).value
        token = self.query_one("#matrix-token", Input).value.strip()
        account_id = self.query_one("#matrix-id", Input).value.strip()
        if not (user_id and homeserver and account_id and (password or token)):
            self._say("Fill in the user id, homeserver, a password or token, and a local id.")
            return
        self._say("Signing in ...")
        try:
            session = await login(
                homeserver, user_id, password=password or None, token=token or None
            )
            await self.service.link_account(plan_for(session, account_id))
        except (MatrixLinkError, ValueError, OSError) as exc:
            self._say(f"Not linked: {exc}")
            return
        self.query_one("#matrix-pw", Input).value = ""
        self.query_one("#matrix-token", Input).value = ""
        self.dismiss(account_id)
