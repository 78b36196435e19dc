"""What a pane shows when there is nothing to list yet, and how to change that."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

__all__ = ["EmptyState", "demo_waiting_text", "no_account_text"]


def no_account_text() -> Content:
    """The first-run message: how to link an account or try the demo."""
    return Content.assemble(
        ("No account linked yet.\n\n", "bold"),
        "Link one from a shell:\n",
        ("    linkdeck link messenger", "$accent bold"),
        ("      (a Facebook Page inbox)\n", "$muted-text"),
        ("    linkdeck link instagram", "$accent bold"),
        ("      (an Instagram professional account)\n\n", "$muted-text"),
        "Or try everything with simulated accounts, no network needed:\n",
        ("    linkdeck --demo", "$accent bold"),
    )


def demo_waiting_text() -> Content:
    """Shown in demo mode until the sync engine delivers the first conversations."""
    return Content.assemble(
        ("demo: waiting for the sync engine\n\n", "bold"),
        (
            "The simulated Messenger Page and Instagram account appear here "
            "as soon as the first sync lands.",
            "$muted-text",
        ),
    )


class EmptyState(Static):
    """A centred block of guidance text."""

    DEFAULT_CSS = """
    EmptyState {
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: left;
        padding: 1 2;
    }
    """
