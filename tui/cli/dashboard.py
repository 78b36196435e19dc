"""``linkdeck`` and ``linkdeck --demo``: attach to the data folder's service, or embed one."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
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

__all__ = ["run_dashboard"]


def run_dashboard(args: argparse.Namespace) -> int:
    """``linkdeck`` and ``linkdeck --demo``: attach to the folder's service, or embed one."""
    from tui.services.client import VersionMismatch
    from tui.services.runtime import AlreadyRunning

    try:
        return asyncio.run(_dashboard(args))
    except (AlreadyRunning, VersionMismatch) as exc:
        print(f"linkdeck: {exc}", file=sys.stderr)
        return 3


async def _attach(data_dir: Path) -> Service | None:
    """The running service of ``data_dir``, or ``None`` when none answers."""
    from tui.services.client import RemoteService, ServiceUnavailable
    from tui.services.server import socket_path

    try:
        return await RemoteService.connect(socket_path(data_dir))
    except ServiceUnavailable:
        return None


@dataclass
class Prepared:
    """A dashboard ready to run, and what to close after it."""

    app: DashboardApp
    runtime: Runtime | None
    service: Service | None
    server: ServiceServer | None

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
        if self.runtime is not None:
            await self.runtime.close()
        elif self.service is not None:
            close = getattr(self.service, "close", None)
            if close is not None:
                await close()


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


async def prepare_dashboard(args: argparse.Namespace) -> Prepared:
    """Attach to the folder's service or open one, and build the app (not run yet).

    A config.toml that does not parse opens the folder's store as it is, for reading and
    triage, with no sync and nothing written to the file; the inbox says why.
    """
    # The UI is imported only here: ``linkdeck serve`` and the other commands never load it.
    from tui.app import DashboardApp
    from tui.config import PrefsFile
    from tui.config.paths import (
        database_path,
        default_config_path,
        default_data_dir,
        user_themes_dir,
    )
    from tui.services.demo import open_demo_runtime
    from tui.services.local import LocalService
    from tui.services.runtime import AlreadyRunning, open_runtime
    from tui.services.server import ServiceServer, socket_path

    demo = bool(getattr(args, "demo", False))
    data_dir: Path | None = getattr(args, "data_dir", None)
    runtime: Runtime | None = None
    service: Service | None = None
    notice: ConfigNotice | None = None
    if demo:
        runtime, _sim = await open_demo_runtime(data_dir, seed=getattr(args, "seed", 7))
        prefs_file = runtime.prefs_file
        config_path = prefs_file.path
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
            try:
                runtime = await open_runtime(config_path, folder)
            except AlreadyRunning:
                # A service holds the folder but does not answer yet (it is starting).
                await asyncio.sleep(1.5)
                service = await _attach(folder)
                if service is None:
                    raise
    server: ServiceServer | None = None
    run: RunService | None = None
    if runtime is not None:
        local = LocalService.of(runtime)
        service = local
        broken = notice is not None and notice.broken
        # Against a broken file nothing runs: no sync, no sends, no rules on defaults.
        run = None if broken else local.run
        if runtime.data_dir is not None and not demo and not broken:
            # Other dashboards on this folder attach to the service inside this one.
            server = ServiceServer(local, socket_path(runtime.data_dir))
            try:
                await server.start()
            except OSError:
                server = None
    prefs, problems = prefs_file.load()
    app = DashboardApp(
        service=service,
        run=run,
        demo=demo,
        theme=prefs.theme,
        keymap=prefs.keymap,
        on_theme_change=None
        if service is not None
        else lambda name: prefs_file.set_ui("theme", name),
        user_themes_dir=user_themes_dir(config_path),
        config_notice=notice,
    )
    # Config problems the notice shows stay out of the start-up toast; the rest go in it.
    app.problems += [str(p) for p in problems if p.severity != "error" or notice is None]
    known = {str(p) for p in problems}
    if service is not None:
        app.problems += [p for p in service.problems if p not in app.problems and p not in known]
    return Prepared(app, runtime, service, server)


async def _dashboard(args: argparse.Namespace) -> int:
    from tui.services.recent_log import install_recent_log
    from tui.terminal_guard import stop_signals_exit_cleanly

    prepared = await prepare_dashboard(args)
    app = prepared.app
    install_recent_log()  # the dashboard's log, shown with ctrl+l
    loop = asyncio.get_running_loop()
    try:
        with stop_signals_exit_cleanly(lambda: loop.call_soon_threadsafe(app.exit)):
            await app.run_async()
    finally:
        await prepared.close()
    return app.return_code or 0
