"""Turns new messages into alerts: the notification rules decide, the sinks deliver."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from tui.domain.models import MessageKind
from tui.services.events import MessagesArrived
from tui.services.notifier import Alert, Notifier, contexts_for
from tui.services.runtime import Runtime
from tui.services.sinks import SinkDriver, deliver

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

__all__ = ["Alerts", "DeliveredAlert"]

log = logging.getLogger(__name__)

SCREEN_SHARE_TITLE = "Linkdeck"
SCREEN_SHARE_BODY = "New message (hidden while screen sharing)"


@dataclass(frozen=True)
class DeliveredAlert:
    """An alert that went out, with the rule that fired it (``None``: the default)."""

    alert: Alert
    at: datetime


class Alerts:
    """Judges every live batch with the notifier and drives the sinks it asks for.

    Catch-up batches are judged too (so "why" can be asked about them) but never alert.
    """

    def __init__(
        self,
        screen: MainScreen,
        runtime: Runtime,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.screen = screen
        self.runtime = runtime
        self.clock = clock or runtime.engine.clock
        if runtime.notifier is None:
            runtime.notifier = Notifier(lambda: runtime.prefs.notifications, runtime.privacy)
        self.notifier: Notifier = runtime.notifier
        self.driver = SinkDriver(toast=self._toast, bell=self._bell, write=self._write)
        self.delivered: deque[DeliveredAlert] = deque(maxlen=200)
        self.highlighted: set[tuple[str, str]] = set()
        """Conversations a highlight rule marked since start."""

    async def on_messages(self, event: MessagesArrived) -> None:
        inbound = [m for m in event.messages if not m.from_us and m.kind is not MessageKind.ECHO]
        if not inbound:
            return
        now = self.clock()
        try:
            contexts = await contexts_for(self.runtime.store, inbound, now, catch_up=event.catch_up)
        except Exception as exc:  # the event loop must outlive one failed lookup
            log.warning("alerts: cannot read conversations (%s)", type(exc).__name__)
            return
        batch = self.notifier.judge(inbound, contexts, now)
        self.highlighted.update(batch.highlighted)
        for alert in batch.alerts:
            if getattr(self.screen.app, "screen_share", False):
                alert = replace(alert, title=SCREEN_SHARE_TITLE, body=SCREEN_SHARE_BODY)
            deliver(alert, self.driver)
            self.delivered.append(DeliveredAlert(alert, now))

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
