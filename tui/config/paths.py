"""Where Linkdeck keeps its files: XDG locations unless the command line says otherwise."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "linkdeck"


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/linkdeck`` (or the platform's equivalent)."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/linkdeck`` (or the platform's equivalent)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def secrets_path_for(config_path: Path) -> Path:
    """``secrets.toml`` lives beside the config file it belongs to."""
    return config_path.parent / "secrets.toml"


def user_themes_dir(config_path: Path) -> Path:
    return config_path.parent / "themes"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it readable by the owner alone (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def database_path(data_dir: Path) -> Path:
    return data_dir / "linkdeck.db"


_SUN_PATH_MAX = 107
"""The longest path a Unix socket address holds on Linux (``sun_path``, less its NUL)."""


def socket_path(data_dir: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where the service of ``data_dir`` listens; two data folders never share a name."""
    env = os.environ if environ is None else environ
    folder = data_dir.expanduser().resolve()
    runtime_dir = env.get("XDG_RUNTIME_DIR")
    if runtime_dir and Path(runtime_dir).is_dir():
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
        path = Path(runtime_dir) / "linkdeck" / f"{digest}.sock"
    else:
        path = folder / "linkdeck.sock"
    if len(os.fsencode(path)) > _SUN_PATH_MAX:
        raise OSError(f"the socket path {path} is too long for a Unix socket")
    return path
