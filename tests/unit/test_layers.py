"""The core must not depend on the UI: importing it never loads textual."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "tui.domain",
    "tui.store",
    "tui.config",
    "tui.adapters",
    "tui.services",
    "tui.simulator",
    "tui.cli",
    "tui.webhooks",
]


def test_core_does_not_import_textual() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {CORE!r}:\n"
        "    pkg = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(pkg, '__path__', []), name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"core imported textual: {result.stdout}{result.stderr}"


def test_cli_help_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tui", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("linkdeck ")
    helptext = subprocess.run(
        [sys.executable, "-m", "tui", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("sync", "export", "simulate", "link", "doctor"):
        assert command in helptext


def test_the_store_never_imports_config() -> None:
    """Paths and preferences belong to the shell commands (tui/cli/), not to the store."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import tui.store\n"
        "for info in pkgutil.walk_packages(tui.store.__path__, 'tui.store.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('tui.config', 'tui.services')))\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"the store imported: {result.stdout}{result.stderr}"
