"""What a person sees: the dashboard shell in dark and light, wide and narrow."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.pilot import Pilot

from tui.app import DashboardApp
from tui.domain import AccountState
from tui.widgets.safe import safe
from tui.widgets.status_line import AccountStatus, StatusLine
from tui.widgets.virtual_list import Row

STATUSES = [
    AccountStatus("bakery", "messenger", AccountState.CONNECTED),
    AccountStatus("bakery-ig", "instagram", AccountState.SYNCING),
    AccountStatus(
        "shop",
        "messenger",
        AccountState.RATE_LIMITED,
        until=datetime(2026, 11, 25, 14, 5, tzinfo=UTC),
    ),
    AccountStatus("old-page", "messenger", AccountState.NEEDS_REAUTH),
]

MESSAGES = [
    ("Ana Souza", "Do you still have the sourdough loaves?"),
    ("bo_bakes", "[bold]free[/bold] [@click=app.quit]coupon[/] \x1b]52;c;cm0gLXJm\x07"),
    ("Chen Wei", "Thanks! See you at 9 \u202eexe.txt"),
    ("Dara", "Two croissants please\nand a coffee"),
]


@dataclass(frozen=True)
class SnapRow:
    key: str
    sender: str
    text: str

    def render(self, width: int) -> Content:
        return Content.assemble(
            safe(self.sender.ljust(12), style="bold", max_chars=12, single_line=True),
            "  ",
            safe(self.text, single_line=True, max_chars=200),
        )


@dataclass
class SnapSource:
    items: list[SnapRow]

    def count(self) -> int:
        return len(self.items)

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        return self.items[offset : offset + limit]

    def index_of(self, key: Hashable) -> int | None:
        return next((i for i, row in enumerate(self.items) if row.key == key), None)


def build(tmp_path: Path, **options: Any) -> DashboardApp:
    return DashboardApp(user_themes_dir=tmp_path / "no-themes", **options)


async def show_status(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, DashboardApp)
    app.main_screen.query_one(StatusLine).tz = UTC
    app.main_screen.update_status(STATUSES, total_unread=12, dnd=False)
    await pilot.pause()


@pytest.mark.parametrize("theme", ["linkdeck-dark", "linkdeck-light"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_shell(snap_compare: Any, tmp_path: Path, theme: str, size: tuple[int, int]) -> None:
    rows = [SnapRow(f"c{i}", *MESSAGES[i % len(MESSAGES)]) for i in range(30)]
    app = build(tmp_path, theme=theme, inbox_source=SnapSource(rows))
    assert snap_compare(app, terminal_size=size, press=["j", "j"], run_before=show_status)


def test_first_run_empty_state(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(build(tmp_path), terminal_size=(80, 24))


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    app = build(tmp_path, inbox_source=SnapSource([]))
    assert snap_compare(app, terminal_size=(120, 40), press=["question_mark"])
