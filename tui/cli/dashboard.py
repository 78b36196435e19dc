"""``linkdeck`` and ``linkdeck --demo``: attach to the data folder's service, or embed one."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.screens.main import RunService
    from tui.services.api import Service
    from tui.services.runtime import Runtime

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


async def _dashboard(args: argparse.Namespace) -> int:
    # The UI is imported only here: ``linkdeck serve`` and the other commands never load it.
    from tui.app import DashboardApp
    from tui.config import PrefsFile
    from tui.config.paths import default_config_path, default_data_dir, user_themes_dir
    from tui.services.demo import open_demo_runtime
    from tui.services.local import LocalService
    from tui.services.recent_log import install_recent_log
    from tui.services.runtime import AlreadyRunning, open_runtime
    from tui.services.server import ServiceServer, socket_path
    from tui.terminal_guard import stop_signals_exit_cleanly

    demo = bool(getattr(args, "demo", False))
    data_dir: Path | None = getattr(args, "data_dir", None)
    runtime: Runtime | None = None
    service: Service | None = None
    if demo:
        runtime, _sim = await open_demo_runtime(data_dir, seed=getattr(args, "seed", 7))
        prefs_file = runtime.prefs_file
        config_path = prefs_file.path
    else:
        config_path = getattr(args, "config", None) or default_config_path()
        prefs_file = PrefsFile(config_path)
        prefs, _problems = prefs_file.load()
        folder = data_dir or default_data_dir()
        service = await _attach(folder)
        if service is None and prefs.accounts:
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
        service, run = local, local.run
        if runtime.data_dir is not None and not demo:
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
    )
    app.problems += [str(p) for p in problems]
    if service is not None:
        app.problems += [p for p in service.problems if p not in app.problems]
    install_recent_log()  # the dashboard's log, shown with ctrl+l
    loop = asyncio.get_running_loop()
    try:
        with stop_signals_exit_cleanly(lambda: loop.call_soon_threadsafe(app.exit)):
            await app.run_async()
    finally:
        if server is not None:
            await server.close()
        if runtime is not None:
            await runtime.close()
        elif service is not None:
            close = getattr(service, "close", None)
            if close is not None:
                await close()
    return app.return_code or 0
