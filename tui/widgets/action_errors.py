"""A user's action that fails says so in a toast, instead of quietly doing nothing."""

from __future__ import annotations

from typing import ClassVar

from textual.worker import Worker, WorkerState

from tui.config.redact import redact

__all__ = ["ReportsFailedActions", "failure_text"]


def failure_text(exc: BaseException | None) -> str:
    """An exception in a line a person can read: its own words (tokens redacted), or its
    kind when it has none."""
    if exc is None:
        return "unknown error"
    words = " ".join(str(exc).split())
    return redact(words)[:300] if words else type(exc).__name__


class ReportsFailedActions:
    """Mixin for a widget whose workers run what the user asked for.

    Textual keeps a worker's error to itself when the worker does not exit the app on
    error; a worker of one of ``REPORTED_GROUPS`` that ends in error is reported as
    "<worker name> failed: <what went wrong>". Give those workers a ``name`` that says
    what the user asked (``@work(name="Unlink", ...)``).

    A plain class, not a widget: Textual takes a widget's CSS type names from the first
    widget class among its bases only, so a widget mixin listed first would hide the
    pane's own (``RuntimePane``) from queries and styles.
    """

    REPORTED_GROUPS: ClassVar[frozenset[str]] = frozenset()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.group not in self.REPORTED_GROUPS:
            return
        worker.node.app.notify(
            f"{worker.name} failed: {failure_text(worker.error)}",
            severity="error",
            markup=False,
        )
