"""Drives this terminal's sinks for alerts the service raised: the hotlist in the status
line (the "toast" sink: never a toast over the list or the composer), bell, OSC 777 / 9."""

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
from tui.widgets.hotlist import SUMMARY_KEY
from tui.widgets.status_line import PLATFORM_TAG

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
        self.shown: deque[RaisedAlert] = deque(maxlen=200)
        """What this terminal was given (names and text hidden while screen sharing)."""

    def on_raised(self, event: AlertsRaised) -> None:
        self.highlighted.update(event.highlighted)
        now = self.clock()
        open_now = self.open_conversations()
        for raised in event.alerts:
            shown = raised
            if getattr(self.screen.app, "screen_share", False):
                shown = replace(raised, title=SCREEN_SHARE_TITLE, body=SCREEN_SHARE_BODY)
            sinks = tuple(Sink(s) for s in shown.sinks if s in {t.value for t in TERMINAL_SINKS})
            deliver(Alert(shown.title, shown.body, sinks, rule_name=shown.rule_name), self.driver)
            self.delivered.append(DeliveredAlert(raised, now))
            self.shown.append(shown)
            if (raised.account_id, raised.conversation_id) not in open_now:
                self._to_hotlist(raised, event)

    def _to_hotlist(self, raised: RaisedAlert, event: AlertsRaised) -> None:
        """Every alert names its conversation in the hotlist (the one on screen excepted)."""
        key = (raised.account_id, raised.conversation_id)
        if not raised.conversation_id:
            key = SUMMARY_KEY
        platforms = {s.account_id: s.platform for s in self.service.statuses()}
        platform = platforms.get(raised.account_id, "")
        marked = key in event.highlighted or self._picked_out(raised.rule_name)
        self.screen.hotlist.add(
            *key,
            platform=PLATFORM_TAG.get(platform, platform[:2].upper()),
            name=raised.title.split(" · ")[0],
            count=max(raised.count, 1),
            marked=marked and key != SUMMARY_KEY,
        )

    def _picked_out(self, rule_name: str | None) -> bool:
        """Whether a rule that names people or words fired (VIP, keyword), not a catch-all."""
        for rule in self.service.prefs.notifications.rules:
            if rule.name == rule_name:
                return bool(rule.senders or rule.keywords or rule.patterns)
        return False

    def open_conversations(self) -> set[tuple[str, str]]:
        """The conversations on the screen in front (their alerts need no hotlist entry)."""
        front = self.screen.app.screen
        targets = getattr(front, "targets", None)
        if not isinstance(targets, list):
            return set()
        return {(c.account_id, c.remote_id) for c in targets}

    # --- sinks on this terminal ------------------------------------------------------

    def _toast(self, title: str, body: str) -> None:
        """The "toast" sink: the conversation is named in the hotlist (see :meth:`on_raised`)."""

    def _bell(self) -> None:
        self.screen.app.bell()

    def _write(self, data: str) -> None:
        app = self.screen.app
        driver = app._driver  # Textual writes its own OSC 52 the same way
        if driver is not None and not app.is_headless:
            driver.write(data)
