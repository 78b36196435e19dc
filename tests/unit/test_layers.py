"""The core must not depend on the UI: importing it never loads textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def _loaded_after(imports: str, prefixes: tuple[str, ...]) -> list[str]:
    code = (
        "import sys\n"
        f"{imports}\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({prefixes!r}))\n"
        "print('\\n'.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_panes_do_not_import_the_screens() -> None:
    """tui.screens imports the panes; the panes open modals from tui.modals, never tui.screens."""
    imports = (
        "import importlib, pkgutil, tui.panes\n"
        "for info in pkgutil.walk_packages(tui.panes.__path__, 'tui.panes.'):\n"
        "    importlib.import_module(info.name)"
    )
    assert _loaded_after(imports, ("tui.screens",)) == []
    # Not even lazily, inside a function: that is how the cycle used to hide.
    root = Path(__file__).resolve().parents[2] / "tui" / "panes"
    lazy = [
        f"{path.name}:{node.lineno}"
        for path in sorted(root.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tui.screens"))
        or (
            isinstance(node, ast.Import)
            and any(alias.name.startswith("tui.screens") for alias in node.names)
        )
    ]
    assert lazy == []


def test_the_modals_import_neither_screens_nor_panes() -> None:
    imports = (
        "import importlib, pkgutil, tui.modals\n"
        "for info in pkgutil.walk_packages(tui.modals.__path__, 'tui.modals.'):\n"
        "    importlib.import_module(info.name)"
    )
    assert _loaded_after(imports, ("tui.screens", "tui.panes", "tui.app")) == []
