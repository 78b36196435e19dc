"""``linkdeck service install|status``: the paths, then tui/services/systemd does the work."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tui.config.paths import default_config_path, default_data_dir
from tui.services.systemd import install, status

__all__ = ["run_service"]


def run_service(args: argparse.Namespace) -> int:
    """Entry point of ``linkdeck service``; ``status`` exits 3 when no service runs."""
    config = Path(os.path.abspath(getattr(args, "config", None) or default_config_path()))
    data_dir = Path(os.path.abspath(getattr(args, "data_dir", None) or default_data_dir()))
    if args.service_command == "install":
        return install(args, config, data_dir)
    return status(config, data_dir)
