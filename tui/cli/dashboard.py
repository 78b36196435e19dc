"""``linkdeck`` and ``linkdeck --demo``: attach to the data folder's service, or embed one.

The dashboard paints its shell first (header, tab bar, "Loading…"); the demo's simulator,
the store, the service or the socket to one are imported and opened after that first
frame, by the app's loader (:class:`_Start`), and the dashboard screen replaces the shell.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import DashboardApp
    from tui.config import PrefsFile
    from tui.screens.main import RunService
    from tui.services.api import Service
    from tui.services.runtime import Runtime
    from tui.services.server import ServiceServer
    from tui.widgets.config_error import ConfigNotice

__all__ = ["peek_ui", "prepare_dashboard", "run_dashboard"]


def run_dashboard(args: argparse.Namespace) -> int:
    """``linkdeck`` and ``linkdeck --demo``: attach to the folder's service, or embed one."""
    return asyncio.run(_dashboard(args))


def peek_ui(config_path: Path) -> tuple[str | None, dict[str, str]]:
    """The theme and keymap of ``config.toml``, read quickly for the first frame.

    The full, checked load (its problems reported) happens after the first frame; a file
    this cannot read gives the defaults until then.
    """
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None, {}
    ui, keymap = data.get("ui"), data.get("keymap")
    theme = ui.get("theme") if isinstance(ui, dict) else None
    keys = {}
    if isinstance(keymap, dict):
        keys = {name: key for name, key in keymap.items() if isinstance(key, str)}
    return (theme if isinstance(theme, str) else None), keys


async def _attach(data_dir: Path) -> Service | None:
    """The running service of ``data_dir``, or ``None`` when none answers."""
    from tui.config.paths import socket_path
    from tui.services.client import RemoteService, ServiceUnavailable

    try:
        return await RemoteService.connect(socket_path(data_dir))
    except ServiceUnavailable:
        return None


@dataclass
class Opened:
    """The service a dashboard shows, how it was opened, and what to close after it."""

    prefs_file: PrefsFile
    runtime: Runtime | None = None
    service: Service | None = None
    run: RunService | None = None
    server: ServiceServer | None = None
    notice: ConfigNotice | None = None
    problems: list[str] = field(default_factory=list)
    """For the start-up toast (config problems the notice shows are left out)."""

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
        if self.runtime is not None:
            await self.runtime.close()
        elif self.service is not None:
            close = getattr(self.service, "close", None)
            if close is not None:
                await close()


@dataclass
class Prepared:
    """A dashboard ready to run (its service open, no shell), and what to close after it."""

    app: DashboardApp
    opened: Opened

    @property
    def runtime(self) -> Runtime | None:
        return self.opened.runtime

    @property
    def service(self) -> Service | None:
        return self.opened.service

    @property
    def server(self) -> ServiceServer | None:
        return self.opened.server

    async def close(self) -> None:
        await self.opened.close()


def _config_notice(prefs_file: PrefsFile) -> ConfigNotice | None:
    """The inbox's notice when config.toml does not parse or has values that were ignored."""
    from tui.config import Problem, load_prefs
    from tui.widgets.config_error import ConfigNotice

    def syntax() -> list[Problem]:
        error = prefs_file.syntax_error()
        if error is None:
            return []
        return [Problem(error.file, error.message, line=error.line, column=error.column)]

    def invalid() -> list[Problem]:
        return [p for p in load_prefs(prefs_file.path)[1] if p.severity == "error"]

    if syntax():
        return ConfigNotice(syntax(), broken=True, recheck=syntax)
    problems = invalid()
    if problems:
        return ConfigNotice(problems, broken=False, recheck=invalid)
    return None


async def open_service(args: argparse.Namespace) -> Opened:
    """Attach to the folder's service or open one (the demo's, or embedded).

    A config.toml that does not parse opens the folder's store as it is, for reading and
    triage, with no sync and nothing written to the file; the inbox says why.
    """
    # Each branch imports what it opens: a dashboard that attaches to a service never
    # imports the runtime, the adapters or httpx (tests/unit/test_startup_imports.py).
    from tui.config import PrefsFile
    from tui.config.paths import database_path, default_config_path, default_data_dir, socket_path
    from tui.services.api import AlreadyRunning

    demo = bool(getattr(args, "demo", False))
    data_dir: Path | None = getattr(args, "data_dir", None)
    runtime: Runtime | None = None
    service: Service | None = None
    notice: ConfigNotice | None = None
    if demo:
        from tui.services.demo import open_demo_runtime

        runtime, _sim = await open_demo_runtime(data_dir, seed=getattr(args, "seed", 7))
        prefs_file = runtime.prefs_file
    else:
        config_path = getattr(args, "config", None) or default_config_path()
        prefs_file = PrefsFile(config_path)
        prefs, _problems = prefs_file.load()
        notice = _config_notice(prefs_file)
        folder = data_dir or default_data_dir()
        service = await _attach(folder)
        stored = database_path(folder).exists()
        store_only = notice is not None and (notice.broken or not prefs.accounts) and stored
        if service is None and (prefs.accounts or store_only):
            from tui.services.runtime import open_runtime

            try:
                runtime = await open_runtime(config_path, folder)
            except AlreadyRunning:
                # A service holds the folder but does not answer yet (it is starting).
                await asyncio.sleep(1.5)
                service = await _attach(folder)
                if service is None:
                    raise
    opened = Opened(prefs_file, runtime, service, notice=notice)
    if runtime is not None:
        from tui.services.local import LocalService
        from tui.services.server import ServiceServer

        local = LocalService.of(runtime)
        opened.service = local
        broken = notice is not None and notice.broken
        # Against a broken file nothing runs: no sync, no sends, no rules on defaults.
        opened.run = None if broken else local.run
        if runtime.data_dir is not None and not demo and not broken:
            # Other dashboards on this folder attach to the service inside this one.
            server = ServiceServer(local, socket_path(runtime.data_dir))
            try:
                await server.start()
            except OSError:
                pass
            else:
                opened.server = server
    _prefs, problems = prefs_file.load()
    # Config problems the notice shows stay out of the start-up toast; the rest go in it.
    opened.problems = [str(p) for p in problems if p.severity != "error" or notice is None]
    known = {str(p) for p in problems}
    if opened.service is not None:
        opened.problems += [
            p for p in opened.service.problems if p not in opened.problems and p not in known
        ]
    return opened


def _configure(app: DashboardApp, opened: Opened) -> None:
    """Hand what was opened to the app (before its dashboard screen is built)."""
    prefs_file = opened.prefs_file
    prefs, _problems = prefs_file.load()
    app.service, app.run_service = opened.service, opened.run
    app.config_notice = opened.notice
    app.on_theme_change = (
        None if opened.service is not None else lambda name: prefs_file.set_ui("theme", name)
    )
    app.keymap = dict(prefs.keymap)
    if prefs.theme != app.theme and prefs.theme in app.available_themes:
        app.theme = prefs.theme
    app.problems += opened.problems


async def prepare_dashboard(args: argparse.Namespace) -> Prepared:
    """Open the service and build the app with its dashboard screen at once (no shell)."""
    from tui.app import DashboardApp
    from tui.config.paths import user_themes_dir

    opened = await open_service(args)
    prefs, _problems = opened.prefs_file.load()
    app = DashboardApp(
        demo=bool(getattr(args, "demo", False)),
        theme=prefs.theme,
        keymap=prefs.keymap,
        user_themes_dir=user_themes_dir(opened.prefs_file.path),
    )
    _configure(app, opened)
    return Prepared(app, opened)


class _Start:
    """The app's loader: opens the service after the shell's first frame."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.opened: Opened | None = None
        self.refused: str | None = None
        """Why the dashboard could not start (printed once the terminal is restored)."""
        self.failed: Exception | None = None
        """An unexpected error while opening: raised again once the terminal is restored,
        so that it goes through the redacting excepthook as it did before the UI started."""

    async def load(self, app: DashboardApp) -> bool:
        from tui.services.api import AlreadyRunning
        from tui.services.client import VersionMismatch

        try:
            self.opened = await open_service(self.args)
        except (AlreadyRunning, VersionMismatch) as exc:
            self.refused = str(exc)
            app.exit(return_code=3)
            return False
        except Exception as exc:
            self.failed = exc
            app.exit(return_code=1)
            return False
        _configure(app, self.opened)
        return True

    async def close(self) -> None:
        if self.opened is not None:
            await self.opened.close()


async def _dashboard(args: argparse.Namespace) -> int:
    # Only the app and its shell are imported before the first frame: ``linkdeck serve``
    # and the other commands never load the UI, and the UI loads the rest after painting.
    from tui.app import DashboardApp
    from tui.config.paths import default_config_path, user_themes_dir
    from tui.terminal_guard import stop_signals_exit_cleanly
    from tui.themes import DEFAULT_THEME

    demo = bool(getattr(args, "demo", False))
    theme: str | None = None
    keymap: dict[str, str] = {}
    themes_dir: Path | None = None
    if not demo:
        config_path: Path = getattr(args, "config", None) or default_config_path()
        theme, keymap = peek_ui(config_path)
        themes_dir = user_themes_dir(config_path)
    start = _Start(args)
    app = DashboardApp(
        demo=demo,
        loader=start.load,
        theme=theme or DEFAULT_THEME,
        keymap=keymap,
        user_themes_dir=themes_dir,
    )
    loop = asyncio.get_running_loop()
    try:
        with stop_signals_exit_cleanly(lambda: loop.call_soon_threadsafe(app.exit)):
            await app.run_async()
    finally:
        await start.close()
    if start.failed is not None:
        raise start.failed
    if start.refused is not None:
        print(f"linkdeck: {start.refused}", file=sys.stderr)
        return 3
    return app.return_code or 0
