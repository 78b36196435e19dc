"""Drives this terminal's sinks (toast, bell, OSC 777 / 9) for alerts the service raised."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from tui.domain.rules import TERMINAL_SINKS, Sink
from tui.services.api import Service
from tui.services.events import AlertsRaised, RaisedAlert
from tui.services.notifier import Alert
from tui.services.sinks import SinkDriver, deliver

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

__all__ = ["Alerts", "DeliveredAlert"]

log = logging.getLogger(__name__)

SCREEN_SHARE_TITLE = "Linkdeck"
SCREEN_SHARE_BODY = "New message (hidden while screen sharing)"


@dataclass(frozen=True)
class DeliveredAlert:
    """An alert shown on this terminal, with the rule that fired it (``None``: the default)."""

    alert: RaisedAlert
    at: datetime


class Alerts:
    """Shows what the service's rules decided, on this terminal only.

    The rules, do-not-disturb, flood control, pushes and commands run in the service
    (see :mod:`tui.services.alerting`); every attached dashboard gets the same
    :class:`AlertsRaised` and rings its own terminal.
    """

    def __init__(
        self,
        screen: MainScreen,
        service: Service,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.screen = screen
        self.service = service
        self.clock = clock or service.clock
        self.driver = SinkDriver(toast=self._toast, bell=self._bell, write=self._write)
        self.delivered: deque[DeliveredAlert] = deque(maxlen=200)
        self.highlighted: set[tuple[str, str]] = set()
        """Conversations a highlight rule marked since start."""

    def on_raised(self, event: AlertsRaised) -> None:
        self.highlighted.update(event.highlighted)
        now = self.clock()
        for raised in event.alerts:
            shown = raised
            if getattr(self.screen.app, "screen_share", False):
                shown = replace(raised, title=SCREEN_SHARE_TITLE, body=SCREEN_SHARE_BODY)
            sinks = tuple(Sink(s) for s in shown.sinks if s in {t.value for t in TERMINAL_SINKS})
            deliver(Alert(shown.title, shown.body, sinks, rule_name=shown.rule_name), self.driver)
            self.delivered.append(DeliveredAlert(raised, now))

    # --- sinks on this terminal ------------------------------------------------------

    def _toast(self, title: str, body: str) -> None:
        # Text was sanitised by the notifier; markup=False keeps "[b]" in a name literal.
        self.screen.notify(body, title=title, markup=False)

    def _bell(self) -> None:
        self.screen.app.bell()

    def _write(self, data: str) -> None:
        app = self.screen.app
        driver = app._driver  # Textual writes its own OSC 52 the same way
        if driver is not None and not app.is_headless:
            driver.write(data)
