"""``linkdeck doctor``: the checks are tui/services/doctor; this prints their report."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.config.paths import default_config_path, default_data_dir
from tui.services.doctor import diagnose

__all__ = ["run_doctor"]


def run_doctor(args: argparse.Namespace) -> int:
    """Entry point of ``linkdeck doctor``: 0 when all is well, 1 when something needs you."""
    config_path = getattr(args, "config", None) or default_config_path()
    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    report = asyncio.run(diagnose(config_path, data_dir))
    report.write(sys.stdout)
    return 1 if report.problems else 0
