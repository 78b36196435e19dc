"""What every tab's pane shares: the runtime it reads from and the events it hears."""

from __future__ import annotations

from textual.widget import Widget

from tui.services.events import Event
from tui.services.runtime import Runtime


class RuntimePane(Widget):
    """A tab's content. It reads the store and services of ``runtime`` (``None`` when no
    account is configured) and hears every sync event through :meth:`handle_event`."""

    DEFAULT_CSS = """
    RuntimePane {
        height: 1fr;
    }
    """

    def __init__(self, runtime: Runtime | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runtime = runtime

    def handle_event(self, event: Event) -> None:
        """Called by the main screen for every event of the sync engine and the outbox.

        Runs on the UI's event loop; start a worker for anything slow.
        """
