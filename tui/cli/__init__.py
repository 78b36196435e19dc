"""The ``linkdeck`` command line: argv -> paths, preferences, store -> the chosen command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tui import __version__

Handler = Callable[[argparse.Namespace], int]

# Each command lives in its own module, imported only when it runs, so that
# ``linkdeck --help`` stays fast and a missing part names itself clearly.
COMMANDS: dict[str, tuple[str, str]] = {
    "dashboard": ("tui.cli.dashboard", "run_dashboard"),
    "serve": ("tui.cli.serve", "run_serve"),
    "sync": ("tui.cli.serve", "run_sync"),
    "export": ("tui.cli.export", "run_export"),
    "simulate": ("tui.cli.simulate", "run_simulate"),
    "link": ("tui.cli.link", "run_link"),
    "doctor": ("tui.cli.doctor", "run_doctor"),
    "service": ("tui.cli.service", "run_service"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkdeck",
        description="One live, merged, keyboard-driven inbox for Messenger and Instagram.",
    )
    parser.add_argument("--version", action="version", version=f"linkdeck {__version__}")
    parser.add_argument("--config", type=Path, help="path of config.toml (default: XDG config)")
    parser.add_argument("--data-dir", type=Path, help="folder of the database (default: XDG data)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the bundled simulator: no account, no network",
    )
    parser.add_argument("--seed", type=int, default=7, help="simulator seed for --demo")
    # The shared options are accepted after the command too (`linkdeck sync --config X`);
    # SUPPRESS keeps a value given before the command from being reset to None.
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    shared.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[shared])

    for name, text in (
        ("serve", "run the service: sync, outbox, rules; dashboards attach to it"),
        ("sync", "the old name of 'serve' (kept working)"),
    ):
        serve = add(name, text)
        serve.add_argument(
            "--once", action="store_true", help="one pass over every account, then exit"
        )
        serve.add_argument("-v", "--verbose", action="count", default=0, help="more log output")

    export = add("export", "export messages (or the activity log)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--account", help="only this account id")
    export.add_argument("--since", help="only messages at or after this date (YYYY-MM-DD)")
    export.add_argument("--activity", action="store_true", help="export the activity log")
    export.add_argument(
        "--quarantine", action="store_true", help="export the records held back at sync time"
    )
    export.add_argument("--kind", help="with --activity: only this kind (link, send, ...)")
    export.add_argument("--output", "-o", type=Path, help="write here instead of stdout")

    simulate = add("simulate", "serve the Graph API simulator on loopback")
    simulate.add_argument("--port", type=int, default=8765)
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument(
        "--write-config", type=Path, metavar="DIR", help="write config.toml + secrets.toml here"
    )
    simulate.add_argument("--traffic", action="store_true", help="customers write at random")

    link = add("link", "link an account with terminal prompts")
    link.add_argument("platform", choices=("messenger", "instagram", "instagram-login", "matrix"))

    add("doctor", "check config, secrets, tokens, reachability and the database")

    service = add("service", "run the service under systemd; see whether it runs")
    service_sub = service.add_subparsers(dest="service_command", metavar="ACTION", required=True)
    install = service_sub.add_parser(
        "install",
        help="write a systemd user unit for this config and data folder",
        parents=[shared],
    )
    install.add_argument("--force", action="store_true", help="replace a different unit")
    service_sub.add_parser(
        "status", help="whether a service runs, and each account's last error", parents=[shared]
    )
    return parser


def resolve(command: str) -> Handler | None:
    """The handler for a command, or ``None`` when that part is not built yet."""
    module_name, attr = COMMANDS[command]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    handler: Handler = getattr(module, attr)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything can log or crash: no token ever reaches a log line or a traceback.
    from tui.config.redact import install_excepthook, install_log_redaction

    install_log_redaction()
    install_excepthook()
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "dashboard"
    handler = resolve(command)
    if handler is None:
        what = "the dashboard" if command == "dashboard" else f"'linkdeck {command}'"
        print(f"linkdeck: {what} is not built yet in this version.", file=sys.stderr)
        return 2
    from tui.domain.safeout import safe_output

    # Every line a command prints is shown with visible markers for controls; only
    # export's records to a file or pipe go out exact (escaped JSON, quoted CSV).
    with safe_output(data_on_stdout=command == "export"):
        try:
            return handler(args)
        except KeyboardInterrupt:
            return 130
