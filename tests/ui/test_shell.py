"""The dashboard shell: tabs, help, palette, keymap, themes, header and empty state."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from textual.command import CommandPalette
from textual.content import Content
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Static, TabbedContent

from tui.app import DashboardApp
from tui.domain import AccountState
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.widgets.safe import safe
from tui.widgets.status_line import AccountStatus, StatusLine, describe_status
from tui.widgets.virtual_list import Row, VirtualList

MakeApp = Callable[..., DashboardApp]


@dataclass(frozen=True)
class TextRow:
    key: str
    text: str

    def render(self, width: int) -> Content:
        return safe(f"{self.key}  {self.text}", single_line=True)


@dataclass
class ListSource:
    rows_: list[TextRow]

    def count(self) -> int:
        return len(self.rows_)

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        return self.rows_[offset : offset + limit]

    def index_of(self, key: Hashable) -> int | None:
        keys = [row.key for row in self.rows_]
        return keys.index(str(key)) if key in keys else None


@dataclass
class FixedStatus:
    statuses: list[AccountStatus] = field(default_factory=list)
    unread: int = 0
    quiet: bool = False

    def account_statuses(self) -> Sequence[AccountStatus]:
        return self.statuses

    def total_unread(self) -> int:
        return self.unread

    def dnd(self) -> bool:
        return self.quiet


SAMPLE_STATUSES = [
    AccountStatus("bakery", "messenger", AccountState.CONNECTED),
    AccountStatus("bakery-ig", "instagram", AccountState.SYNCING),
    AccountStatus(
        "shop",
        "messenger",
        AccountState.RATE_LIMITED,
        until=datetime(2026, 11, 25, 14, 5, tzinfo=UTC),
    ),
]


def static_text(app: DashboardApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).visual)


async def test_number_keys_switch_tabs(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.screen.query_one(TabbedContent)
        for key, tab in zip("2345", ("profiles", "filters", "privacy", "activity"), strict=True):
            await pilot.press(key)
            assert tabs.active == tab
        await pilot.press("1")
        assert tabs.active == "inbox"


async def test_help_lists_every_binding_id(make_app: MakeApp) -> None:
    app = make_app(inbox_source=ListSource([TextRow("a", "hello")]))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = static_text(app, "#help-table")
        ids = app.known_binding_ids()
        assert {"app.help", "app.quit", "main.inbox", "main.activity", "list.open"} <= ids
        for binding_id in ids:
            assert binding_id in shown
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_palette_offers_main_actions(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Go to Inbox", "Go to Filters", "Go to Activity", "Keys and help", "Theme"):
            assert title in titles


async def test_theme_switch_from_palette_is_saved(make_app: MakeApp) -> None:
    saved: list[str] = []
    app = make_app(on_theme_change=saved.append)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Theme: linkdeck-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "linkdeck-light"
        assert saved == ["linkdeck-light"]
        await pilot.press("ctrl+p", *"Go to Privacy")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "privacy"
    assert saved == ["linkdeck-light"]


async def test_keymap_moves_a_binding(make_app: MakeApp) -> None:
    app = make_app(keymap={"main.inbox": "f1"})
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.screen.query_one(TabbedContent)
        await pilot.press("3")
        assert tabs.active == "filters"
        await pilot.press("1")
        assert tabs.active == "filters"  # the old key is free now
        await pilot.press("f1")
        assert tabs.active == "inbox"
        await pilot.press("question_mark")
        await pilot.pause()
        help_lines = static_text(app, "#help-table").splitlines()
        assert any(line.startswith("f1 ") and "main.inbox" in line for line in help_lines)
    assert app.keymap_problems == []


async def test_unknown_keymap_ids_are_reported(make_app: MakeApp) -> None:
    seen: list[Message] = []
    # The link wizard's keys are known before it is first opened (they live apart from it).
    app = make_app(keymap={"main.inbox": "f1", "wizard.back": "ctrl+g", "inbox.teleport": "t"})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.pause()
        assert len(app.keymap_problems) == 1, app.keymap_problems
        assert "inbox.teleport" in app.keymap_problems[0]
        toasts = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert any("inbox.teleport" in text for text in toasts)


async def test_unknown_theme_falls_back_with_a_warning(make_app: MakeApp) -> None:
    seen: list[Message] = []
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.pause()
        assert app.theme == "linkdeck-dark"
        assert any(
            isinstance(m, Notify) and "no-such-theme" in m.notification.message for m in seen
        )


async def test_user_theme_overrides_bundled(make_app: MakeApp, tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "linkdeck-dark.toml").write_text('name = "linkdeck-dark"\nprimary = "#FF00FF"\n')
    app = make_app()
    async with app.run_test(size=(100, 30)):
        assert app.current_theme.primary == "#FF00FF"


async def test_empty_state_says_how_to_link(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)):
        text = static_text(app, "#inbox-empty")
        assert "No account linked yet" in text
        assert "linkdeck link messenger" in text
        assert "linkdeck --demo" in text


async def test_demo_says_it_waits_for_the_sync_engine(make_app: MakeApp) -> None:
    app = make_app(demo=True)
    async with app.run_test(size=(100, 30)):
        assert "demo: waiting for the sync engine" in static_text(app, "#inbox-empty")


async def test_header_shows_each_account_state(make_app: MakeApp) -> None:
    app = make_app(status=FixedStatus(list(SAMPLE_STATUSES), unread=7, quiet=False))
    async with app.run_test(size=(200, 30)):
        line = app.screen.query_one(StatusLine)
        line.tz = UTC
        header = static_text(app, "#status-accounts")
        assert "bakery ok" in header
        assert "bakery-ig syncing" in header
        assert "7 unread" in static_text(app, "#status-summary")
        assert "DND off" in static_text(app, "#status-summary")
        assert isinstance(app.screen, MainScreen)
        app.screen.update_status(
            [
                *SAMPLE_STATUSES,
                AccountStatus("old", "instagram", AccountState.NEEDS_REAUTH),
                AccountStatus(
                    "bad", "messenger", AccountState.ERROR, detail="\x1b]52;c;eA==\x07 [b]x[/b]"
                ),
            ],
            total_unread=0,
            dnd=True,
        )
        header = static_text(app, "#status-accounts")
        assert "shop rate limited until 14:05" in header
        assert "old needs re-authentication" in header
        assert "bad error: ⟨ESC⟩]52;c;eA==⟨BEL⟩ [b]x[/b]" in header
        assert "\x1b" not in header
        assert "DND on" in static_text(app, "#status-summary")


async def test_inbox_list_is_shown_and_focused(make_app: MakeApp) -> None:
    rows = [TextRow(f"c{i}", f"message {i}") for i in range(50)]
    app = make_app(inbox_source=ListSource(rows), status=FixedStatus([], 0, False))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        vlist = app.screen.query_one(VirtualList)
        assert app.focused is vlist
        await pilot.press("j", "j")
        assert vlist.cursor_key == "c2"
        await pilot.press("2", "1")
        assert app.focused is vlist


def test_rate_limit_time_is_local_by_default() -> None:
    until = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)
    text = describe_status(AccountStatus("a", "messenger", AccountState.RATE_LIMITED, until=until))
    assert f"until {until.astimezone():%H:%M}" in text.plain


async def test_keymap_clash_is_reported(make_app: MakeApp) -> None:
    seen: list[Message] = []
    app = make_app(keymap={"main.inbox": "2"})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.press("3", "2")
        await pilot.pause()
        assert app.keymap_problems == [
            "[keymap]: 'main.inbox' = '2' takes that key from 'main.profiles'"
        ]
        toasts = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert any("main.profiles" in text for text in toasts)
        assert app.screen.query_one(TabbedContent).active == "inbox"


def test_cli_finds_the_dashboard() -> None:
    from tui.cli import resolve
    from tui.cli.dashboard import run_dashboard

    assert resolve("dashboard") is run_dashboard
