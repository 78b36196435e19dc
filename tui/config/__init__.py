"""Preferences (config.toml), secrets (env, command, secrets.toml) and log redaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Imported at once: ``redact`` is both a submodule and a function, and the CLI needs it first.
from tui.config.redact import (
    install_excepthook,
    install_log_redaction,
    redact,
    redacting_excepthook,
    register_secret,
)
from tui.lazy import lazy_names

if TYPE_CHECKING:
    from tui.config.checker import Problem
    from tui.config.prefs import AccountConfig, Prefs, PrefsFile, load_prefs
    from tui.config.secrets import (
        SecretError,
        check_secrets_file,
        remove_secret,
        resolve_token,
        save_secret,
    )
    from tui.config.toml_io import ConfigSyntaxError, atomic_write_text

__all__ = [
    "AccountConfig",
    "ConfigSyntaxError",
    "Prefs",
    "PrefsFile",
    "Problem",
    "SecretError",
    "atomic_write_text",
    "check_secrets_file",
    "install_excepthook",
    "install_log_redaction",
    "load_prefs",
    "redact",
    "redacting_excepthook",
    "register_secret",
    "remove_secret",
    "resolve_token",
    "save_secret",
]

_LAZY: dict[str, str] = {
    "AccountConfig": "tui.config.prefs",
    "ConfigSyntaxError": "tui.config.toml_io",
    "Prefs": "tui.config.prefs",
    "PrefsFile": "tui.config.prefs",
    "Problem": "tui.config.checker",
    "SecretError": "tui.config.secrets",
    "atomic_write_text": "tui.config.toml_io",
    "check_secrets_file": "tui.config.secrets",
    "load_prefs": "tui.config.prefs",
    "remove_secret": "tui.config.secrets",
    "resolve_token": "tui.config.secrets",
    "save_secret": "tui.config.secrets",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())
