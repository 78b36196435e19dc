"""``linkdeck serve`` (and its old name ``sync``): logging, then tui/services/headless."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from tui.config import install_excepthook, install_log_redaction
from tui.services.api import AlreadyRunning
from tui.services.headless import serve

__all__ = ["ALIAS_NOTE", "run_serve", "run_sync", "setup_logging"]


def setup_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * min(verbosity + 1, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (every SQLite call, every socket event) only at -vv and above.
    noisy = logging.DEBUG if verbosity >= 2 else logging.WARNING
    for name in ("aiosqlite", "httpx", "httpcore", "asyncio"):
        logging.getLogger(name).setLevel(noisy)
    install_log_redaction(root)
    install_excepthook()


ALIAS_NOTE = "linkdeck: 'sync' is now called 'serve' (the same service); 'sync' keeps working"


def run_sync(args: argparse.Namespace) -> int:
    """``linkdeck sync``: the old name of ``linkdeck serve``; says so once, then serves."""
    print(ALIAS_NOTE, file=sys.stderr)
    return run_serve(args, name="sync")


def run_serve(args: argparse.Namespace, *, name: str = "serve") -> int:
    setup_logging(getattr(args, "verbose", 0))
    try:
        return asyncio.run(serve(args, name))
    except AlreadyRunning as exc:
        print(f"linkdeck {name}: {exc}", file=sys.stderr)
        return 3
