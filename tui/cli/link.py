"""``linkdeck link PLATFORM``: terminal prompts; the linking itself is tui/services/linking."""

from __future__ import annotations

import argparse
import asyncio

from tui.config.paths import default_config_path, default_data_dir
from tui.services.linking import Prompter, link_in_terminal
from tui.services.signin import LinkPlatform

__all__ = ["run_link"]


def run_link(args: argparse.Namespace) -> int:
    """Entry point of ``linkdeck link PLATFORM``."""
    config_path = getattr(args, "config", None) or default_config_path()
    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    try:
        if args.platform == "matrix":
            from tui.services.matrix_link import link_matrix_in_terminal

            return asyncio.run(link_matrix_in_terminal(config_path, data_dir, prompter=Prompter()))
        platform = LinkPlatform(args.platform)
        return asyncio.run(link_in_terminal(platform, config_path, data_dir, prompter=Prompter()))
    except EOFError:
        # stdin closed (a pipe, /dev/null, ctrl+d): the questions cannot be answered.
        print(
            "\nlinkdeck link: the input ended before every question was answered; "
            "nothing was linked. Run it in a terminal, or see `linkdeck link --help`."
        )
        return 1
    except KeyboardInterrupt:
        print("\nlinkdeck link: cancelled; nothing was linked.")
        return 130
