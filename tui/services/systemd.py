"""``linkdeck service install|status``: a systemd user unit, and whether a service runs."""

from __future__ import annotations

import argparse
import fcntl
import getpass
import importlib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui.config.paths import database_path
from tui.config.prefs import load_prefs
from tui.config.redact import redact
from tui.domain.safetext import sanitize
from tui.services.runtime import LOCK_NAME
from tui.store.readonly import last_errors

__all__ = [
    "UNIT_NAME",
    "RunningService",
    "install",
    "linkdeck_command",
    "render_unit",
    "running_service",
    "status",
    "systemd_quote",
    "unit_path",
]

UNIT_NAME = "linkdeck.service"
_PLAIN = re.compile(r"^[A-Za-z0-9/._+:=@,-]+$")


def unit_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/systemd/user/linkdeck.service`` (``~/.config`` by default)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "systemd" / "user" / UNIT_NAME


def linkdeck_command(argv0: str | None = None) -> list[str]:
    """How to start this very Linkdeck again: its script, else this Python with ``-m tui``."""
    first = sys.argv[0] if argv0 is None else argv0
    if Path(first).name == "linkdeck" and os.path.isfile(first):
        # abspath, not resolve: a pipx symlink keeps working across upgrades.
        return [os.path.abspath(first)]
    return [os.path.abspath(sys.executable), "-m", "tui"]


def systemd_quote(arg: str) -> str:
    """One ExecStart argument: specifiers (%) and variables ($) kept literal, quoted if needed."""
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _PLAIN.match(escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _service_word() -> str:
    """``serve`` once that command exists in this version, else its older name ``sync``."""
    try:
        cli = importlib.import_module("tui.cli")
    except ImportError:
        return "sync"
    commands = getattr(cli, "COMMANDS", {})
    return "serve" if "serve" in commands else "sync"


def render_unit(command: Sequence[str], config: Path, data_dir: Path, word: str) -> str:
    argv = [*command, word, "--config", str(config), "--data-dir", str(data_dir)]
    exec_start = " ".join(systemd_quote(a) for a in argv)
    return (
        "# Written by `linkdeck service install`; run it again (with --force) after moving\n"
        "# Linkdeck or its folders. Logs: journalctl --user -u linkdeck\n"
        "[Unit]\n"
        "Description=Linkdeck service: sync, outbox, notification rules and pushes\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={exec_start}\n"
        "Restart=on-failure\n"
        "RestartSec=10\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def install(args: argparse.Namespace, config: Path, data_dir: Path) -> int:
    path = unit_path()
    text = render_unit(linkdeck_command(), config, data_dir, _service_word())
    if path.exists():
        current = path.read_text(encoding="utf-8", errors="replace")
        if current == text:
            print(f"{path} is already installed with these settings.")
            _advice(config)
            return 0
        if not args.force:
            print(
                f"linkdeck service install: {path} exists and differs from what would be "
                "written; nothing changed. Pass --force to replace it.",
                file=sys.stderr,
            )
            return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    print(f"Wrote {path}")
    _advice(config)
    return 0


def _advice(config: Path) -> None:
    user = getpass.getuser()
    print(
        "\nStart it now and at every login:\n"
        "  systemctl --user daemon-reload && systemctl --user enable --now linkdeck\n"
        "\nOn a server, keep it running after you log out:\n"
        f"  loginctl enable-linger {user}\n"
        "\nThen: `linkdeck service status`, and `linkdeck` in any SSH session attaches to it."
    )
    prefs, _problems = load_prefs(config)
    for account in prefs.accounts:
        if account.token_env:
            print(
                f"\nNote: {account.id} reads its token from ${account.token_env}, which a "
                "systemd service does not inherit from your shell. Add it with "
                "`systemctl --user edit linkdeck` (Environment=...), or use token_command "
                "or secrets.toml (mode 0600) instead."
            )


@dataclass(frozen=True)
class RunningService:
    """The process holding a data folder."""

    pid: int | None
    since: datetime


def running_service(data_dir: Path) -> RunningService | None:
    """Who holds ``data_dir``'s lock (a service or a dashboard running one), if anyone."""
    lock = data_dir / LOCK_NAME
    try:
        handle = open(lock, encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = handle.read().strip()
            since = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, UTC)
            return RunningService(int(text) if text.isdigit() else None, since)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def status(config: Path, data_dir: Path) -> int:
    print(f"Data folder: {data_dir}")
    running = running_service(data_dir)
    if running is None:
        print("Service: not running")
    else:
        pid = f"pid {running.pid}, " if running.pid is not None else ""
        print(f"Service: running ({pid}since {_when(running.since)})")
    path = unit_path()
    if not path.exists():
        print("systemd unit: not installed (`linkdeck service install` writes one)")
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        mine = f"--data-dir {systemd_quote(str(data_dir))}\n" in text
        print(f"systemd unit: {path}" + ("" if mine else " (for another data folder)"))
    prefs, _problems = load_prefs(config)
    errors = last_errors(database_path(data_dir))
    accounts = [a.id for a in prefs.accounts]
    accounts += sorted(a for a in errors if a not in accounts)
    if not accounts:
        print("Accounts: none linked")
    else:
        print("Accounts:")
    width = max((len(a) for a in accounts), default=0)
    for account in accounts:
        name = sanitize(account, max_chars=40, single_line=True)
        event = errors.get(account)
        if event is None:
            print(f"  {name:<{width}}  no error logged")
            continue
        summary = sanitize(redact(event.summary), max_chars=160, single_line=True)
        print(f"  {name:<{width}}  last error {_when(event.at)}: {summary}")
    return 0 if running is not None else 3
