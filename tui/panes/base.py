"""What every tab's pane shares: the service it asks and reads from, and the events it hears."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.widget import Widget

from tui.domain.clock import utc_now
from tui.services.api import Service
from tui.services.events import Event


class RuntimePane(Widget):
    """A tab's content. It draws from ``service`` (``None`` when no account is configured),
    changes things only through it, and hears every event through :meth:`handle_event`."""

    DEFAULT_CSS = """
    RuntimePane {
        height: 1fr;
    }
    """

    def __init__(
        self,
        service: Service | None,
        *,
        id: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(id=id)
        self.service = service
        # The service's clock by default: the same "now" as the sync and the inbox. A pane
        # class that names its own ``clock`` keeps it (tests set one on the class).
        if clock is not None:
            self.clock = clock
        elif not hasattr(type(self), "clock"):
            self.clock = service.clock if service is not None else utc_now
        self._due: set[Callable[[], object]] = set()

    clock: Callable[[], datetime]

    def once_after(self, delay: float, action: Callable[[], object]) -> None:
        """Call ``action`` in ``delay`` seconds, once however often it is asked meanwhile
        (a burst of events re-reads what a pane shows once, not once per event)."""
        if action in self._due:
            return
        self._due.add(action)

        def due() -> None:
            self._due.discard(action)
            action()

        self.set_timer(delay, due)

    def handle_event(self, event: Event) -> None:
        """Called by the main screen for every event of the service.

        Runs on the UI's event loop; start a worker for anything slow.
        """
