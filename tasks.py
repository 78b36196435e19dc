#!/usr/bin/env python3
"""Developer entry points that need nothing but Python 3.11+.

    python3 tasks.py demo    # start the dashboard in demo mode
    python3 tasks.py test    # run the whole test suite (one worker per core)
    python3 tasks.py lint    # ruff check + ruff format --check + mypy (strict, tui/)
    python3 tasks.py bench   # run the benchmarks

Each command creates (or reuses) ``.venv`` beside this file and installs the project
into it, re-installing only when ``pyproject.toml`` changed, and compiles the project's
own sources (``tui/``, ``bench/``) to bytecode.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".linkdeck-installed"


def ensure_env() -> None:
    """Create the virtual environment and install the project when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (tasks.py may run on an old python)
        sys.exit(f"Linkdeck needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (STAMP.exists() and STAMP.read_text().strip() == want):
        print("installing linkdeck and its test tools into .venv ...", flush=True)
        pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
        STAMP.write_text(want)
    compile_sources()


def compile_sources() -> None:
    """Byte-compile our own sources, as pip does for every installed library.

    An editable install leaves them to be compiled at import, and where bytecode is not
    written (``PYTHONDONTWRITEBYTECODE``, a read-only checkout) that happens at every
    start: 20-30 ms before the first frame and about a quarter of a second before the
    inbox is up. Files already compiled are skipped (tens of milliseconds in all).
    """
    subprocess.run(
        [str(PY), "-m", "compileall", "-q", str(ROOT / "tui"), str(ROOT / "bench")],
        check=False,  # a file that does not compile is named here and fails at import
    )


def run(*args: str) -> int:
    return subprocess.run([str(PY), *args], cwd=ROOT).returncode


def parallel(args: list[str]) -> list[str]:
    """pytest-xdist options for a test run: one worker per core (at most four), unless the
    command line chooses (``-n 0`` runs in this process, as plain pytest does).

    The suite spends about half its time waiting (terminals, servers, subprocesses), so on
    two cores two workers take little more than half as long as one process.
    """
    chosen = any(arg.startswith(("-n", "--numprocesses")) for arg in args)
    if chosen or "no:xdist" in args:
        return []
    workers = min(os.cpu_count() or 1, 4)
    return ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else []


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "lint", "bench"}:
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return run("-m", "tui", "--demo", *rest)
    if command == "lint":
        return (
            run("-m", "ruff", "check", ".")
            or run("-m", "ruff", "format", "--check", ".")
            or run("-m", "mypy")
        )
    if command == "bench":
        return run("-m", "bench", *rest)
    code = run("-m", "pytest", *parallel(rest), *rest)
    if code == 5:  # pytest's "no tests collected" must never pass as green
        print("no tests were collected: failing", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
