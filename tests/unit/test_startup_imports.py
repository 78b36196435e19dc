"""The dashboard's first frame costs textual and the shell only (issue 16, goal 1).

Each check runs in a fresh interpreter, as ``linkdeck`` does: what is in ``sys.modules``
when the shell's first frame is done is what start-up paid for before painting.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ServiceRig

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "httpx",
    "aiosqlite",
    "mautrix",
    "aiohttp",
    "cattrs",
    "tomlkit",
    "tui.adapters",
    "tui.store",
    "tui.services.runtime",
    "tui.services.client",
    "tui.screens.main",
    "tui.panes",
    "tui.domain.models",
)
"""Imported after the first frame, never before it."""

FIRST_FRAME = f"""
import asyncio, json, sys
from tui.app import DashboardApp
from tui.shell import LOADING_TEXT, ShellScreen

seen = {{}}

async def loader(app):
    shell = app.screen
    seen["shell"] = isinstance(shell, ShellScreen)
    seen["loading"] = str(shell.query_one("#shell-loading").render()) == LOADING_TEXT
    seen["tabs"] = [str(tab.label) for tab in shell.query("Tab")]
    seen["heavy"] = [m for m in {HEAVY!r} if m in sys.modules]
    app.exit()
    return False

asyncio.run(DashboardApp(demo=True, loader=loader).run_async(headless=True, size=(120, 40)))
print(json.dumps(seen))
"""


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_first_frame_is_the_shell_drawn_without_the_heavy_modules() -> None:
    seen = json.loads(run_python(FIRST_FRAME).splitlines()[-1])
    assert seen["shell"] and seen["loading"]
    assert seen["tabs"] == ["1 Inbox", "2 Profiles", "3 Filters", "4 Privacy", "5 Activity"]
    assert seen["heavy"] == []


def test_the_command_line_and_the_app_module_import_nothing_heavy() -> None:
    code = (
        "import json, sys\n"
        "import tui.cli, tui.cli.dashboard, tui.app, tui.shell\n"
        "tui.cli.build_parser()\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    assert json.loads(run_python(code)) == []


SERVICE_SIDE = (
    "httpx",
    "mautrix",
    "aiohttp",
    "tui.adapters.graph",
    "tui.adapters.messenger",
    "tui.adapters.instagram",
    "tui.services.runtime",
    "tui.services.accounts",
    "tui.services.sync",
)
"""What only the service (or a dashboard running its own) needs: the adapters, their
HTTP client and the runtime."""


def test_a_dashboard_attaching_to_a_service_imports_none_of_the_service_side() -> None:
    # Everything the attached dashboard imports to show its inbox: the client, the main
    # screen and every pane. Linking an account (the wizard) imports the rest when opened.
    code = (
        "import json, sys\n"
        "import tui.cli.dashboard, tui.app, tui.shell, tui.services.client\n"
        "import tui.screens.main, tui.panes.inbox, tui.panes.profiles, tui.panes.filters\n"
        "import tui.panes.privacy, tui.panes.activity, tui.screens.conversation\n"
        f"print(json.dumps([m for m in {SERVICE_SIDE!r} if m in sys.modules]))\n"
    )
    assert json.loads(run_python(code)) == []


ATTACHED = """
import argparse, asyncio, json, sys
from pathlib import Path
from tui.app import DashboardApp
from tui.cli.dashboard import _Start

SERVICE_SIDE = {service_side!r}

async def main():
    start = _Start(argparse.Namespace(config=Path({config!r}), data_dir=Path({data!r})))
    app = DashboardApp(loader=start.load, user_themes_dir=Path({themes!r}))
    seen = {{}}
    async with app.run_test(size=(120, 40)) as pilot:
        from tui.panes.inbox import InboxPane
        for _ in range(600):
            await pilot.pause(0.05)
            panes = app.query(InboxPane)
            if panes and panes.first().refreshes >= 1 and panes.first().list.row_count:
                break
        seen["service"] = type(start.opened.service).__name__ if start.opened else None
        seen["rows"] = app.query_one(InboxPane).list.row_count
        seen["loaded"] = [m for m in SERVICE_SIDE if m in sys.modules]
    await start.close()
    print(json.dumps(seen))

asyncio.run(main())
"""


async def test_a_dashboard_that_attached_shows_its_inbox_without_the_service_side(
    service_rig: ServiceRig,
) -> None:
    # The whole way a real `linkdeck` takes: the loader attaches to the service on the
    # data folder and the inbox draws its rows; only then is sys.modules looked at.
    code = ATTACHED.format(
        service_side=SERVICE_SIDE,
        config=str(next((service_rig.tmp / "config").glob("config.toml"))),
        data=str(service_rig.tmp / "data"),
        themes=str(service_rig.tmp / "themes"),
    )
    # The service answers in this process's event loop: the dashboard runs beside it.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=ROOT,
        env={**os.environ, "XDG_RUNTIME_DIR": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    seen = json.loads(out.decode().splitlines()[-1])
    assert seen["service"] == "RemoteService", seen
    assert seen["rows"] > 0, seen
    assert seen["loaded"] == [], seen
