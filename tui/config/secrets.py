"""Finds each account's token (environment, a command, or secrets.toml) and stores new ones."""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Protocol

import tomlkit

from tui.config.redact import register_secret
from tui.config.toml_io import ConfigSyntaxError, TomlFile, folder_lock, read_toml, write_toml

__all__ = [
    "APP_SECRET_ENV",
    "DEFAULT_COMMAND_TIMEOUT",
    "SecretError",
    "TokenSource",
    "app_secret_or_none",
    "check_secrets_file",
    "read_app_secret",
    "read_secrets",
    "remove_secret",
    "resolve_token",
    "run_token_command",
    "save_app_secret",
    "save_secret",
]

DEFAULT_COMMAND_TIMEOUT = 10.0
MAX_COMMAND_OUTPUT = 64 * 1024
"""A token command printing more than this is stopped: tokens are a few hundred bytes."""
SECRETS_TABLE = "secrets"
APP_SECRETS_TABLE = "app_secrets"
APP_SECRET_ENV = {"facebook": "LINKDECK_APP_SECRET", "instagram": "LINKDECK_IG_APP_SECRET"}
"""The environment variable that overrides each Meta app's secret."""
_write_lock = threading.Lock()


class SecretError(Exception):
    """A token could not be found or read. The message is safe to show: it holds no secret."""

    def __init__(self, message: str, *, account_id: str | None = None) -> None:
        self.account_id = account_id
        super().__init__(message)


class TokenSource(Protocol):
    """What :func:`resolve_token` needs to know about an account (``AccountConfig`` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def token_env(self) -> str | None: ...
    @property
    def token_command(self) -> str | tuple[str, ...] | None: ...


def check_secrets_file(path: Path) -> str | None:
    """Advice text when ``path`` can be read or written by anyone but its owner, else ``None``."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        full = os.path.abspath(path)
        return (
            f"{full} is readable or writable by other users (mode {stat.S_IMODE(mode):04o}); "
            f"refusing to use it. Fix it with: chmod 600 {full}"
        )
    return None


def read_secrets(secrets_path: Path) -> dict[str, str]:
    """The ``[secrets]`` table of ``secrets_path`` (empty when the file does not exist).

    Every token read is registered for redaction, whichever account asked.

    Raises:
        SecretError: the file is readable by others, unreadable, or not valid TOML.
    """
    advice = check_secrets_file(secrets_path)
    if advice:
        raise SecretError(advice)
    toml = _read_secrets_toml(secrets_path)
    table = toml.doc.get(SECRETS_TABLE)
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise SecretError(f"{secrets_path}: [{SECRETS_TABLE}] must be a table of id = token")
    found: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, str) and value.strip():
            token = value.strip()
            register_secret(token)
            found[str(key)] = token
    return found


def _read_secrets_toml(secrets_path: Path) -> TomlFile:
    try:
        return read_toml(secrets_path)
    except ConfigSyntaxError as exc:
        # The parser's own words may quote a piece of a token: give the position only.
        raise SecretError(
            f"{secrets_path}:{exc.line}:{exc.column}: not valid TOML; the file was not used"
        ) from None
    except OSError as exc:
        raise SecretError(f"cannot read {secrets_path}: {exc.strerror}") from None


def resolve_token(
    account: TokenSource,
    secrets_path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_COMMAND_TIMEOUT,
) -> str:
    """The token of ``account``: from ``token_env``, else ``token_command``, else secrets.toml.

    The token returned is registered for redaction before it is handed out.

    Raises:
        SecretError: naming the account and what to fix; it never contains the token,
            the command's output or its error output.
    """
    env = os.environ if environ is None else environ
    if account.token_env:
        value = env.get(account.token_env, "").strip()
        if not value:
            raise SecretError(
                f"account '{account.id}': environment variable {account.token_env} "
                "is not set or empty",
                account_id=account.id,
            )
        register_secret(value)
        return value
    if account.token_command:
        return run_token_command(account.token_command, account_id=account.id, timeout=timeout)
    try:
        table = read_secrets(secrets_path)
    except SecretError as exc:
        raise SecretError(f"account '{account.id}': {exc}", account_id=account.id) from None
    token = table.get(account.id)
    if token is None:
        raise SecretError(
            f"account '{account.id}': no token configured; set token_env or token_command "
            f"in the config, or add it under [{SECRETS_TABLE}] in {secrets_path}",
            account_id=account.id,
        )
    return token


def _argv(command: str | Sequence[str]) -> list[str]:
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    # No shell runs the command, so expand "~" here as the user's shell would have.
    return [os.path.expanduser(arg) if arg.startswith("~") else arg for arg in argv]


def run_token_command(
    command: str | Sequence[str],
    *,
    account_id: str,
    timeout: float = DEFAULT_COMMAND_TIMEOUT,
) -> str:
    """Run ``command`` without a shell and return its first output line, stripped.

    The command's error output is discarded unread and its output never appears in an
    error: only the exit status does. On timeout the whole process group is killed.

    Raises:
        SecretError: the command is empty, missing, failed, timed out or printed nothing.
    """
    try:
        argv = _argv(command)
    except ValueError:
        raise SecretError(
            f"account '{account_id}': token_command cannot be split into arguments "
            "(check its quotes)",
            account_id=account_id,
        ) from None
    if not argv:
        raise SecretError(f"account '{account_id}': token_command is empty", account_id=account_id)
    program = os.path.basename(argv[0])
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise SecretError(
            f"account '{account_id}': token command '{program}' could not start "
            f"({exc.strerror or type(exc).__name__})",
            account_id=account_id,
        ) from None
    try:
        output = _read_capped(process, timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise SecretError(
            f"account '{account_id}': token command '{program}' timed out after {timeout:g} s",
            account_id=account_id,
        ) from None
    except _TooMuchOutput:
        _kill_group(process)
        raise SecretError(
            f"account '{account_id}': token command '{program}' printed more than "
            f"{MAX_COMMAND_OUTPUT // 1024} KiB, so it was stopped (a token is a single short "
            "line: check the command)",
            account_id=account_id,
        ) from None
    if process.returncode != 0:
        status = process.returncode
        how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
        raise SecretError(
            f"account '{account_id}': token command '{program}' {how}", account_id=account_id
        )
    try:
        text = output.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(
            f"account '{account_id}': token command '{program}' printed something that is "
            "not UTF-8 text",
            account_id=account_id,
        ) from None
    # Like `pass`, the secret is the first line; later lines may hold notes.
    lines = text.strip().splitlines()
    token = lines[0].strip() if lines else ""
    if not token:
        raise SecretError(
            f"account '{account_id}': token command '{program}' printed nothing",
            account_id=account_id,
        )
    register_secret(token)
    return token


class _TooMuchOutput(Exception):
    pass


def _read_capped(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The command's output, read until it ends, ``timeout`` passes or the cap is passed."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise subprocess.TimeoutExpired(process.args, timeout)
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_COMMAND_OUTPUT:
                raise _TooMuchOutput
            chunks.append(chunk)
    process.stdout.close()
    process.wait(max(0.0, deadline - time.monotonic()))
    return b"".join(chunks)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # Children of the command may hold our pipe open; kill the whole session group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.communicate()


def save_secret(secrets_path: Path, account_id: str, token: str) -> None:
    """Store ``token`` for ``account_id`` in secrets.toml (atomic write, mode 0600).

    Other entries, comments and layout of the file are kept.

    Raises:
        SecretError: the existing file is not valid TOML (it is left untouched) or the
            token is empty.
    """
    token = token.strip()
    if not account_id:
        raise SecretError("an account id is required to save a token")
    if not token:
        raise SecretError(f"account '{account_id}': refusing to save an empty token")
    _put_secret(secrets_path, SECRETS_TABLE, account_id, token, "a table of id = token")


def remove_secret(secrets_path: Path, account_id: str) -> bool:
    """Remove the token of ``account_id`` from secrets.toml; ``True`` if one was there.

    Raises:
        SecretError: the existing file is not valid TOML (it is left untouched).
    """
    if not secrets_path.exists():
        return False
    with _write_lock, folder_lock(secrets_path):
        toml = _read_secrets_toml(secrets_path)
        table = toml.doc.get(SECRETS_TABLE)
        if not toml.exists or not isinstance(table, MutableMapping) or account_id not in table:
            return False
        del table[account_id]
        write_toml(secrets_path, toml, mode=0o600)
        return True


def read_app_secret(
    secrets_path: Path, app: str, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """A Meta app's secret (``facebook`` or ``instagram``): its environment variable, else
    ``[app_secrets]`` in secrets.toml; ``None`` when neither has it.

    Raises:
        SecretError: secrets.toml exists but cannot be trusted or read.
    """
    env = os.environ if environ is None else environ
    value = env.get(APP_SECRET_ENV.get(app, ""), "").strip()
    if value:
        register_secret(value)
        return value
    if not secrets_path.exists():
        return None
    advice = check_secrets_file(secrets_path)
    if advice:
        raise SecretError(advice)
    table = _read_secrets_toml(secrets_path).doc.get(APP_SECRETS_TABLE)
    if not isinstance(table, Mapping):
        return None
    secret = table.get(app)
    if not isinstance(secret, str) or not secret.strip():
        return None
    register_secret(secret.strip())
    return secret.strip()


def save_app_secret(secrets_path: Path, app: str, secret: str) -> None:
    """Store a Meta app's secret under ``[app_secrets]`` in secrets.toml (mode 0600)."""
    secret = secret.strip()
    if not secret:
        raise SecretError(f"refusing to save an empty {app} app secret")
    _put_secret(secrets_path, APP_SECRETS_TABLE, app, secret, "a table")


def app_secret_or_none(
    app: str, secrets_path: Path, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """:func:`read_app_secret`, with an untrusted secrets.toml counted as no secret (the
    account's own token lookup reports that file's problem)."""
    try:
        return read_app_secret(secrets_path, app, environ=environ)
    except SecretError:
        return None


def _put_secret(secrets_path: Path, table_name: str, key: str, value: str, shape: str) -> None:
    """Write ``key = value`` into ``[table_name]`` of secrets.toml (mode 0600, comments kept)."""
    register_secret(value)
    with _write_lock, folder_lock(secrets_path):
        toml = _read_secrets_toml(secrets_path)
        table = toml.doc.get(table_name)
        if table is None:
            table = tomlkit.table()
            toml.doc[table_name] = table
        elif not isinstance(table, MutableMapping):
            raise SecretError(f"{secrets_path}: [{table_name}] must be {shape}")
        table[key] = value
        write_toml(secrets_path, toml, mode=0o600)
