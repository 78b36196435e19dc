"""``linkdeck simulate``: the Graph API simulator on loopback (tui/simulator/server)."""

from __future__ import annotations

import argparse
import asyncio

from tui.simulator.server import simulate

__all__ = ["run_simulate"]


def run_simulate(args: argparse.Namespace) -> int:
    """``linkdeck simulate``: serve until SIGINT/SIGTERM; 0 on a clean stop."""
    return asyncio.run(simulate(args))
