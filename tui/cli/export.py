"""``linkdeck export``: argv -> the database of the data folder -> JSON lines or CSV."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from tui.config.paths import database_path, default_data_dir
from tui.store.export import _DAY, export_records

__all__ = ["run_export"]


def run_export(args: argparse.Namespace) -> int:
    """Entry point of ``linkdeck export``; returns the exit status."""
    since: datetime | None = None
    if args.since:
        try:
            if not _DAY.match(args.since):
                raise ValueError
            since = datetime.combine(date.fromisoformat(args.since), datetime.min.time(), UTC)
        except ValueError:
            print(
                f"linkdeck export: --since wants a date like 2026-11-01, not {args.since!r}",
                file=sys.stderr,
            )
            return 2
    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    db_file = database_path(Path(data_dir))
    if not db_file.is_file():
        print(
            f"linkdeck export: no database at {db_file} (nothing synced yet, or pass --data-dir)",
            file=sys.stderr,
        )
        return 1
    try:
        return asyncio.run(export_records(db_file, args, since))
    except BrokenPipeError:
        # `linkdeck export | head`: the reader has all it wanted; no traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
