"""``linkdeck sync``: the sync engine without a screen, for a server, cron or a test."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from tui.config import PrefsFile
from tui.config.paths import default_config_path, default_data_dir
from tui.services.runtime import Runtime, open_runtime
from tui.services.supervise import supervised

log = logging.getLogger("linkdeck.sync")
ACCOUNT_CARE_SECONDS = 6 * 3600
STOP_GRACE = 1.5
"""Seconds the engine gets to finish in-flight work after a stop signal (exit within 2 s)."""


async def serve(args: argparse.Namespace, name: str) -> int:
    """The service until a stop signal (or one pass with ``--once``); the exit status."""
    config_path = args.config or default_config_path()
    data_dir = args.data_dir or default_data_dir()
    broken = PrefsFile(config_path).syntax_error()
    if broken is not None:
        # Syncing on defaults would look like "no account": refuse, and say where to look.
        print(
            f"linkdeck {name}: config.toml has an error at {broken}\n"
            "Nothing was synced and the file was not changed. Fix it and run again "
            "('linkdeck doctor' checks the whole file).",
            file=sys.stderr,
        )
        return 2
    once = bool(getattr(args, "once", False))
    stop = asyncio.Event()
    if not once:
        # From before the data folder's lock is taken: a stop signal while the runtime
        # opens (``systemctl stop`` right after a start) ends the service cleanly once
        # it is open, instead of killing it half-opened.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
    runtime = await open_runtime(config_path, data_dir)
    try:
        for problem in runtime.problems:
            log.warning("%s", problem)
        if not runtime.adapters:
            print(
                f"linkdeck {name}: no usable account in {config_path}. Link one with "
                "'linkdeck link messenger', or try 'linkdeck --demo'.",
                file=sys.stderr,
            )
            return 1
        if once:
            return await _once(runtime)
        if not stop.is_set():
            await _forever(runtime, data_dir, stop)
        return 0
    finally:
        await runtime.close()


async def _once(runtime: Runtime) -> int:
    await runtime.outbox.recover()
    reports = await runtime.engine.run_once()
    await runtime.outbox.drain()
    if runtime.alerting is not None:
        # A cron run notifies too: rules on the new messages, pushes for dead tokens.
        await runtime.alerting.drain()
    failed = 0
    for report in reports:
        if report.error is not None:
            failed += 1
            log.error("%s: %s", report.account_id, report.error)
        else:
            # Every message this run stored, as export will list them: the poll's new ones
            # and the older history the backfill brought in after it.
            stored = len(report.new_messages) + report.backfilled
            log.info(
                "%s: %d new %s stored (%d from older history) in %d conversations (%d requests)",
                report.account_id,
                stored,
                "message" if stored == 1 else "messages",
                report.backfilled,
                report.changed_conversations,
                report.requests,
            )
    return 1 if failed else 0


async def _forever(runtime: Runtime, data_dir: Path, stop: asyncio.Event) -> None:
    """Serve dashboards and run the engine until ``stop`` is set (by a stop signal)."""
    from tui.services.local import LocalService
    from tui.services.server import ServiceServer, socket_path

    server = ServiceServer(LocalService.of(runtime), socket_path(data_dir))
    await server.start()
    log.warning(
        "service started (pid %d) for %s; dashboards attach on %s",
        os.getpid(),
        data_dir,
        server.path,
    )
    # A task that dies is logged and restarted (with backoff), never silently gone.
    named = [
        ("the sync engine", runtime.engine.run),
        ("the outbox", runtime.outbox.run),
        ("account care", lambda stop: _account_care(runtime, stop)),
        *(
            (getattr(extra, "__name__", "a background task"), extra)
            for extra in runtime.extra_tasks
        ),
    ]
    tasks = [asyncio.create_task(supervised(name, run, stop)) for name, run in named]
    try:
        await stop.wait()
    finally:
        await server.close()
    log.warning("service stopping")
    _done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _account_care(runtime: Runtime, stop: asyncio.Event) -> None:
    """Verify accounts and refresh tokens that are due, every few hours, as the dashboard does."""
    from tui.services.accounts import AccountManager

    manager = AccountManager(runtime)
    while not stop.is_set():
        try:
            await manager.maintain()
        except Exception:
            log.exception("account verification failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=ACCOUNT_CARE_SECONDS)
