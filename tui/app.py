"""DashboardApp: wiring only (themes, keymap, palette, the main screen) and the CLI entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme

from tui import gcpolicy
from tui.commands import ThemeCommands
from tui.domain.safetext import sanitize
from tui.messages import TAB_TITLES
from tui.services.recent_log import install_recent_log
from tui.themes import (
    DEFAULT_THEME,
    TEXTUAL_ANSI_DEFAULTS,
    THEME_VARIABLE_DEFAULTS,
    load_themes,
)
from tui.widgets.hotlist import HOTLIST_BINDING_ID, HOTLIST_KEYS
from tui.widgets.safe import SCREEN_SHARE

if TYPE_CHECKING:
    # The panes, screens, services, store and network clients are imported when the
    # dashboard screen is built, after the first frame (see ``loader``): never here.
    from tui.screens.main import MainScreen, RunService, StatusSource
    from tui.services.api import Service
    from tui.services.runtime import Runtime
    from tui.widgets.config_error import ConfigNotice
    from tui.widgets.virtual_list import AsyncRowSource, RowSource

__all__ = ["DashboardApp", "Loader", "binding_owner_classes"]

EMPTY_KEYMAP: Mapping[str, str] = MappingProxyType({})
DASHBOARD_MODE = "dashboard"

Loader = Callable[["DashboardApp"], Awaitable[bool]]
"""Opens the service after the first frame and sets ``service``/``run_service`` on the app;
``False`` when it could not (it has told the user and called ``app.exit``)."""


@cache
def binding_owner_classes() -> tuple[type[DOMNode], ...]:
    """Classes whose binding ids are valid in [keymap] even when none is on screen yet.

    Imported on first use: they are every pane and screen, loaded after the first frame."""
    from tui.modals.confirm import ConfirmRetry, ConfirmScreen, UnlinkScreen
    from tui.modals.link_keys import LinkWizardKeys
    from tui.modals.rule_form import RuleForm
    from tui.modals.search import SearchScreen
    from tui.modals.triage_modals import LabelEditor, MergeSuggestions, SnoozeMenu
    from tui.panes.activity import ActivityPane
    from tui.panes.filters import FiltersPane
    from tui.panes.inbox import InboxPane
    from tui.panes.privacy import PrivacyPane
    from tui.panes.profiles import ProfilesPane
    from tui.screens.conversation import ConversationScreen
    from tui.screens.help import HelpScreen
    from tui.screens.main import MainScreen
    from tui.widgets.history import History
    from tui.widgets.vim import VimDataTable, VimOptionList
    from tui.widgets.virtual_list import VirtualList

    return (
        MainScreen,
        ProfilesPane,
        LinkWizardKeys,
        UnlinkScreen,
        ActivityPane,
        HelpScreen,
        VirtualList,
        InboxPane,
        SearchScreen,
        SnoozeMenu,
        LabelEditor,
        MergeSuggestions,
        ConversationScreen,
        ConfirmRetry,
        History,
        FiltersPane,
        PrivacyPane,
        RuleForm,
        ConfirmScreen,
        VimDataTable,
        VimOptionList,
    )


class DashboardApp(App[None]):
    """The Linkdeck dashboard. Collaborators come in through ``__init__`` (tests build it)."""

    CSS_PATH = "app.tcss"
    TITLE = "Linkdeck"
    screen_share: reactive[bool] = reactive(False)
    """While on, every message body and person's name on screen shows as ``hidden()``."""
    COMMANDS = App.COMMANDS | {ThemeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding(
            "ctrl+p", "command_palette", "Palette", show=False, priority=True, id="app.palette"
        ),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("ctrl+l", "show_log", "Log", show=False, id="app.log"),
        # weechat's key for the next buffer with activity; ctrl+n where alt does not reach.
        # Priority: a terminal sends alt+a as ESC a, which the composer would type as "a".
        Binding(
            HOTLIST_KEYS,
            "next_active",
            "Next active",
            show=False,
            priority=True,
            id=HOTLIST_BINDING_ID,
        ),
    ]

    def __init__(
        self,
        *,
        status: StatusSource | None = None,
        inbox_source: RowSource | AsyncRowSource | None = None,
        theme: str = DEFAULT_THEME,
        keymap: Mapping[str, str] = EMPTY_KEYMAP,
        on_theme_change: Callable[[str], None] | None = None,
        user_themes_dir: Path | None = None,
        demo: bool = False,
        runtime: Runtime | None = None,
        service: Service | None = None,
        run: RunService | None = None,
        config_notice: ConfigNotice | None = None,
        loader: Loader | None = None,
    ) -> None:
        """``runtime``: run the service inside this dashboard (its sync, outbox, ...);
        ``service`` (with ``run`` for its work, or attached to ``linkdeck serve``);
        ``config_notice``: config.toml is wrong, said above the inbox until fixed;
        ``loader``: paint the shell (header, tab bar, "Loading…") first, then await
        ``loader(self)`` to open the service and show the dashboard screen."""
        super().__init__()
        SCREEN_SHARE.on = False  # a new dashboard never starts in screen-share mode
        if runtime is not None and service is None:
            from tui.services.local import LocalService

            local = LocalService.of(runtime)
            service, run = local, local.run
        self.loader = loader
        self.loaded = loader is None
        """The dashboard screen is up (at once without a ``loader``)."""
        self.service = service
        self.run_service = run
        self.status = status
        self.inbox_source = inbox_source
        self.demo = demo
        self.config_notice = config_notice
        self.keymap: dict[str, str] = dict(keymap)
        self.on_theme_change = on_theme_change
        self.problems: list[str] = []
        """Everything wrong with themes and keymap, shown as one toast on start."""
        self.keymap_problems: list[str] = []
        self._clashes_reported: set[frozenset[str]] = set()

        themes, theme_problems = load_themes(user_themes_dir)
        self.problems += theme_problems
        for loaded in themes.values():
            self.register_theme(loaded)
        if DEFAULT_THEME in themes:
            # The palette and theme picker offer ours (and the one the config names), not
            # Textual's twenty built-ins, which ignore our status colours.
            for name in list(self.available_themes):
                if name not in themes and name != theme:
                    self.unregister_theme(name)
        if theme in self.available_themes:
            self.theme = theme
        else:
            fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
            self.problems.append(f"theme {theme!r} is not installed; using {fallback}")
            self.theme = fallback
        self._saved_theme = self.theme

    # --- wiring ---------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        if self.loader is not None:
            from tui.shell import ShellScreen

            return ShellScreen(demo=self.demo)
        return self._build_main_screen()

    def _build_main_screen(self) -> MainScreen:
        from tui.screens.main import MainScreen

        return MainScreen(
            status=self.status,
            inbox_source=self.inbox_source,
            demo=self.demo,
            service=self.service,
            run=self.run_service,
            config_notice=self.config_notice,
        )

    @property
    def main_screen(self) -> MainScreen:
        """The dashboard screen (it stays at the bottom of the stack)."""
        from tui.screens.main import MainScreen

        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    @property
    def default_screen(self) -> Screen[Any]:
        """Where app-level queries look: the dashboard screen once a ``loader`` brought it
        up (Textual's default is the first screen composed, which is then the shell)."""
        if self.loader is not None and self.loaded:
            return self.main_screen
        return super().default_screen

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Derived from the theme's own colours, so a theme that sets only the basic
        # palette still gets matching status colours; [variables] may override each.
        theme = self.current_theme
        derived = {
            "status-ok": theme.success,
            "status-busy": theme.primary,
            "status-warn": theme.warning,
            "status-error": theme.error,
            "inbox-unread": theme.accent,
        }
        return {
            **TEXTUAL_ANSI_DEFAULTS,
            **THEME_VARIABLE_DEFAULTS,
            **{name: value for name, value in derived.items() if value},
        }

    def on_mount(self) -> None:
        install_recent_log()  # before any worker can fail: ctrl+l shows what they logged
        if self.loader is None:
            self._settle()
        else:
            # The shell's first frame is drawn before anything else is imported or opened.
            self.call_after_refresh(self.run_worker, self._load(), group="start")

    async def _load(self) -> None:
        """After the first frame: open the service, then swap the shell for the dashboard."""
        assert self.loader is not None
        if not await self.loader(self):
            return  # the loader told the user why and asked the app to exit
        main = self._build_main_screen()
        while len(self.screen_stack) > 1:  # a help or log screen opened while loading
            await self.pop_screen()
        # Its own mode, so that the dashboard screen is the bottom of its stack (as without
        # a loader); the shell stays behind, unseen, in the default mode.
        self.add_mode(DASHBOARD_MODE, lambda: main)
        await self.switch_mode(DASHBOARD_MODE)
        self.loaded = True
        self._settle()

    def _settle(self) -> None:
        """Keymap checks, theme saving and the problems toast, once the dashboard is up."""
        self.keymap_problems = self._unknown_keymap_ids() + self._keymap_clashes()
        self.problems += self.keymap_problems
        self.set_keymap(self.keymap)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.call_after_refresh(gcpolicy.settle, self)  # issue 16: GC pauses off the keys
        if self.problems:
            self.notify(
                sanitize("\n".join(self.problems), max_chars=1500),
                title="Configuration problems",
                severity="warning",
                timeout=15,
                markup=False,
            )

    # --- keymap ---------------------------------------------------------------------

    def binding_owners(self) -> Iterable[type[DOMNode]]:
        """Every class whose bindings the keymap and the help cover, without repeats."""
        owners: dict[type[DOMNode], None] = {type(self): None}
        owners.update(dict.fromkeys(binding_owner_classes()))
        for screen in self.screen_stack:
            owners[type(screen)] = None
            owners.update(dict.fromkeys(type(node) for node in screen.walk_children()))
        return owners

    def known_binding_ids(self) -> set[str]:
        from tui.screens.help import collect_bindings

        return {info.id for info in collect_bindings(self, self.binding_owners(), keymap={})}

    def _unknown_keymap_ids(self) -> list[str]:
        unknown = sorted(set(self.keymap) - self.known_binding_ids())
        return [f"[keymap]: unknown binding id {name!r} (press ? for the list)" for name in unknown]

    def _keymap_clashes(self) -> list[str]:
        """Keys the keymap gives to a binding while another binding in reach still has them.

        Textual only reports clashes with bindings that have no id, so we look ourselves:
        within one class, or against the app and main screen, which are always in reach.
        """
        from tui.screens.main import MainScreen

        always = {type(self), MainScreen}
        effective: list[tuple[type[DOMNode], str, str]] = []
        for owner in self.binding_owners():
            for binding in Binding.make_bindings(owner.BINDINGS):
                if binding.id is None:
                    continue
                keys = self.keymap.get(binding.id, binding.key).split(",")
                effective += [(owner, binding.id, key.strip()) for key in keys]
        found: set[tuple[str, str, str]] = set()
        for owner, remapped, key in effective:
            if remapped not in self.keymap:
                continue
            for other_owner, other, other_key in effective:
                in_reach = owner is other_owner or bool({owner, other_owner} & always)
                if other != remapped and other_key == key and in_reach:
                    found.add((key, remapped, other))
        return [
            f"[keymap]: {remapped!r} = {key!r} takes that key from {other!r}"
            for key, remapped, other in sorted(found)
        ]

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        ids = frozenset(binding.id or binding.action for binding in clashed_bindings)
        if ids in self._clashes_reported:
            return  # Textual reports a clash on every key press; one toast is enough
        self._clashes_reported.add(ids)
        self.notify(
            sanitize(f"[keymap] takes these keys from: {', '.join(sorted(ids))}", max_chars=300),
            title="Key clash",
            severity="warning",
            markup=False,
        )

    # --- actions and palette --------------------------------------------------------

    def action_help(self) -> None:
        """Show every binding with its id and keys."""
        from tui.screens.help import HelpScreen, collect_bindings

        if isinstance(self.screen, HelpScreen):
            return
        here: list[str] = []
        focused = self.focused
        chain = list(focused.ancestors_with_self) if focused is not None else [self.screen, self]
        for node in chain:
            for binding in Binding.make_bindings(type(node).BINDINGS):
                area = (binding.id or "").split(".", 1)[0]
                if area and area not in here:
                    here.append(area)
        clashes = [line for line in self.keymap_problems if "takes that key" in line]
        bindings = collect_bindings(self, self.binding_owners(), self.keymap)
        self.push_screen(HelpScreen(bindings, here=here, clashes=clashes))

    async def action_next_active(self) -> None:
        """Open the first conversation of the hotlist (status line, "Act:")."""
        await self.main_screen.jump_to_active()

    def action_show_log(self) -> None:
        """The dashboard's own recent log records (redacted)."""
        from tui.screens.log_view import LogScreen

        if not isinstance(self.screen, LogScreen):
            self.push_screen(LogScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for number, (tab, title) in enumerate(TAB_TITLES.items(), start=1):
            yield SystemCommand(
                f"Go to {title}", f"Show the {title} tab (key {number})", self._go_to(tab)
            )
        yield SystemCommand("Keys and help", "List every key binding and its id", self.action_help)
        yield SystemCommand(
            "Show the log",
            "Recent log records, tokens redacted (key ctrl+l)",
            self.action_show_log,
        )
        yield SystemCommand(
            "Screen share on/off",
            "Hide every message body and name on screen at once",
            self.action_toggle_screen_share,
        )
        yield from super().get_system_commands(screen)

    def action_toggle_screen_share(self) -> None:
        self.screen_share = not self.screen_share

    async def action_quit(self) -> None:
        """Quit; a reply being written is kept as a draft, and the line left behind says so."""
        from tui.screens.conversation import ConversationScreen

        for screen in self.screen_stack:
            if isinstance(screen, ConversationScreen):
                try:
                    await screen.keep_draft()
                except Exception as exc:  # quitting must never fail on the way out
                    self.log.error(f"draft not saved: {type(exc).__name__}")
        self.exit(message=await self._drafts_notice())

    async def _drafts_notice(self) -> str | None:
        if self.service is None:
            return None
        try:
            kept = await self.service.store.draft_count()
        except Exception:
            kept = 0
        lines: list[str] = []
        if kept == 1:
            lines.append(
                "Draft kept: 1 unsent reply is saved; it is back when you open its conversation."
            )
        elif kept:
            lines.append(
                f"Drafts kept: {kept} unsent replies are saved; each is back when you open "
                "its conversation."
            )
        lost = await self.service.unstored_draft_count()
        if lost:
            lines.append(
                f"Not kept: {lost} unsent {'reply' if lost == 1 else 'replies'} on accounts "
                "set to store no message text (Privacy)."
            )
        return "\n".join(lines) or None

    def watch_screen_share(self, on: bool) -> None:
        """Flip what every renderer reads, then redraw everything on every screen at once."""
        SCREEN_SHARE.on = on
        for screen in self.screen_stack:
            for widget in screen.walk_children(with_self=True):
                changed = getattr(widget, "screen_share_changed", None)
                if callable(changed):
                    changed()
                widget.refresh()

    def _go_to(self, tab: str) -> Callable[[], None]:
        def go() -> None:
            self.main_screen.action_show_tab(tab)

        return go

    # --- theme persistence ----------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name == self._saved_theme:
            return
        self._saved_theme = theme.name
        if self.on_theme_change is None and self.service is not None:
            self.run_worker(self._save_theme(theme.name), group="theme", exit_on_error=False)
            return
        if self.on_theme_change is None:
            return
        try:
            self.on_theme_change(theme.name)
        except Exception as exc:  # saving must never take the dashboard down
            self.notify(
                sanitize(f"could not save the theme: {exc}", max_chars=300),
                title="Preferences",
                severity="error",
                markup=False,
            )

    async def _save_theme(self, name: str) -> None:
        from tui.services.api import SetUi

        assert self.service is not None
        try:
            await self.service.update_prefs(SetUi("theme", name))
        except Exception as exc:  # saving must never take the dashboard down
            self.notify(
                sanitize(f"could not save the theme: {exc}", max_chars=300),
                title="Preferences",
                severity="error",
                markup=False,
            )
