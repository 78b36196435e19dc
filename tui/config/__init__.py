"""Preferences (config.toml), secrets (env, command, secrets.toml) and log redaction."""

from __future__ import annotations

from tui.config.checker import Problem
from tui.config.prefs import AccountConfig, Prefs, PrefsFile, load_prefs
from tui.config.redact import (
    install_excepthook,
    install_log_redaction,
    redact,
    redacting_excepthook,
    register_secret,
)
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
