"""The link wizard's keys, apart from the wizard itself.

The keymap check and the help list read every screen's bindings once the dashboard is up.
The wizard's module imports the sign-in and linking code (httpx, the account manager, the
runtime), which a dashboard attached to a service otherwise never loads, so its keys live
here, on a base class of the wizard.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

__all__ = ["LinkWizardKeys"]


class LinkWizardKeys(ModalScreen[str | None]):
    """The keys of :class:`tui.modals.link_wizard.LinkWizard` (its base class)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="wizard.back"),
        Binding(
            "f2",
            "simulate_phone",
            "Simulator: approve / token",
            show=False,
            id="wizard.sim-approve",
        ),
    ]
