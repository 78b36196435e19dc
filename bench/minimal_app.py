"""The baseline for start-up: a Textual app with one Label and nothing else."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label

MARKER = "minimal-baseline-ready"


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Label(MARKER)


if __name__ == "__main__":
    MinimalApp().run()
