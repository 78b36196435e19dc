"""Loads config.toml leniently and edits it in place, keeping the user's comments and layout."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from tui.config.checker import Problem, locate
from tui.config.notify_schema import QUIET_HOURS_RE
from tui.config.schema import (
    BACKFILL_ALL,
    DEFAULT_API_VERSION,
    HISTORY_FOREVER,
    POLL_RANGE,
    PRIVACY_DAYS,
    AccountConfig,
    Prefs,
    build_prefs,
)
from tui.config.toml_io import ConfigSyntaxError, folder_lock, read_toml, write_toml
from tui.domain.rules import NotificationRule, PrivacySettings

__all__ = [
    "AccountConfig",
    "ConfigSyntaxError",
    "Prefs",
    "PrefsFile",
    "Problem",
    "load_prefs",
    "rule_to_table",
]

UI_KEYS = {"theme": (str,), "poll_seconds": (int, float)}
NOTIFICATION_KEYS: dict[str, tuple[type, ...]] = {
    "dnd": (bool,),
    "dnd_until": (str,),
    "flood_seconds": (int,),
    "timezone": (str,),
    "vip": (list, tuple),
    "push": (list, tuple),
    "account_failing_minutes": (int,),
}
PRIVACY_KEYS = {f.name for f in fields(PrivacySettings)}


def load_prefs(path: Path) -> tuple[Prefs, list[Problem]]:
    """Read ``path``; anything wrong becomes a problem and that part uses its default.

    A missing file is not a problem. A file that does not parse gives all defaults and
    one problem naming its line and column.
    """
    try:
        toml = read_toml(path)
    except ConfigSyntaxError as exc:
        message = f"{exc.message}; the file was not changed and defaults are in use"
        return Prefs(), [Problem(path, message, line=exc.line, column=exc.column)]
    except OSError as exc:
        return Prefs(), [Problem(path, f"cannot read the file ({exc.strerror}); using defaults")]
    prefs, problems = build_prefs(toml.doc.unwrap(), path)
    return prefs, locate(problems, toml.doc.as_string())


def _check(value: object, types: tuple[type, ...], key: str) -> None:
    if isinstance(value, bool) and bool not in types:
        raise TypeError(f"{key} cannot be a boolean")
    if not isinstance(value, types):
        names = " or ".join(t.__name__ for t in types)
        raise TypeError(f"{key} must be {names}, not {type(value).__name__}")


def _table(parent: MutableMapping[str, Any], name: str, *, super_table: bool = False) -> Any:
    """``parent[name]``, created when missing (a super table renders only its children)."""
    existing = parent.get(name)
    if isinstance(existing, MutableMapping):
        return existing
    created = tomlkit.table(is_super_table=super_table)
    parent[name] = created
    return created


def _put(parent: MutableMapping[str, Any], name: str, key: str, value: Any) -> None:
    """Set ``parent[name][key]`` (``None`` removes it), creating the table only when needed."""
    table = parent.get(name)
    if isinstance(table, MutableMapping):
        _set_or_remove(table, key, value)
        return
    if value is None:
        return
    table = tomlkit.table()
    _set_or_remove(table, key, value)
    # A blank line after a new table, as a person would leave before the next header.
    table.add(tomlkit.nl())
    parent[name] = table


def _set_or_remove(table: MutableMapping[str, Any], key: str, value: Any) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = list(value) if isinstance(value, tuple) else value


def rule_to_table(rule: NotificationRule) -> Table:
    """A rule as a TOML table, writing only what differs from an empty rule's defaults."""
    table = tomlkit.table()
    table["name"] = rule.name
    table["enabled"] = rule.enabled
    for name in ("platforms", "accounts", "kinds", "senders", "keywords", "patterns"):
        values: tuple[str, ...] = getattr(rule, name)
        if values:
            table[name] = list(values)
    if rule.quiet_hours:
        table["quiet_hours"] = rule.quiet_hours
    table["action"] = rule.action.value
    table["sinks"] = [sink.value for sink in rule.sinks]
    if rule.command:
        table["command"] = list(rule.command)
    if rule.push:
        table["push"] = list(rule.push)
    return table


def account_to_table(account: AccountConfig) -> Table:
    table = tomlkit.table()
    table["id"] = account.id
    table["platform"] = account.platform.value
    optional: dict[str, Any] = {
        "name": account.name or None,
        "page_id": account.page_id,
        "ig_user_id": account.ig_user_id,
        "api": account.api.value if account.api else None,
        "graph_url": account.graph_url,
        "api_version": None if account.api_version == DEFAULT_API_VERSION else account.api_version,
        "token_env": account.token_env,
        "token_command": account.token_command,
        "paused": True if account.paused else None,
        "user_id": account.user_id,
        "homeserver": account.homeserver,
        "device_id": account.device_id,
        "human_agent": True if account.human_agent else None,
    }
    for key, value in optional.items():
        _set_or_remove(table, key, value)
    return table


class PrefsFile:
    """The one writer of config.toml: every change re-reads the file and edits it in place.

    Only the keys a change touches are rewritten; comments, blank lines, key order,
    unknown keys, a BOM, CRLF line endings, the file mode and a symlink all survive.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> tuple[Prefs, list[Problem]]:
        return load_prefs(self.path)

    def syntax_error(self) -> ConfigSyntaxError | None:
        """Why the file cannot be read as TOML (file, line, column), or ``None`` when it can.

        A missing file reads as empty; a file that cannot be opened counts as broken too.
        """
        try:
            read_toml(self.path)
        except ConfigSyntaxError as exc:
            return exc
        except OSError as exc:
            return ConfigSyntaxError(
                self.path, f"cannot read the file ({exc.strerror})", None, None
            )
        return None

    def edit(self, change: Callable[[TOMLDocument], None]) -> None:
        """Apply ``change`` to the current file and save it atomically.

        Raises:
            ConfigSyntaxError: the file on disk does not parse; it is left untouched.
            OSError: it cannot be read or written.
        """
        with self._lock, folder_lock(self.path):
            toml = read_toml(self.path)
            ended_blank = tomlkit.dumps(toml.doc).endswith("\n\n")
            change(toml.doc)
            write_toml(self.path, toml, trim_end=not ended_blank)

    # Conveniences: each is one edit() touching only its own key.

    def set_ui(self, key: str, value: str | float) -> None:
        if key not in UI_KEYS:
            raise KeyError(f"unknown [ui] key: {key}")
        _check(value, UI_KEYS[key], f"ui.{key}")
        if key == "poll_seconds" and not POLL_RANGE[0] <= float(value) <= POLL_RANGE[1]:
            raise ValueError(f"poll_seconds must be {POLL_RANGE[0]:g} to {POLL_RANGE[1]:g}")
        self.edit(lambda doc: _put(doc, "ui", key, value))

    def set_keymap(self, binding_id: str, key: str | None) -> None:
        """Bind ``binding_id`` to ``key``; ``None`` goes back to the built-in key."""
        self.edit(lambda doc: _put(doc, "keymap", binding_id, key))

    def set_privacy(self, account_id: str, key: str, value: bool | int | None) -> None:
        """Set one privacy toggle; ``None`` days mean all history / keep forever."""
        if key not in PRIVACY_KEYS:
            raise KeyError(f"unknown privacy setting: {key}")
        stored: bool | int | str
        if key in PRIVACY_DAYS:
            if value is None:
                stored = BACKFILL_ALL if key == "backfill_days" else HISTORY_FOREVER
            else:
                _check(value, (int,), key)
                if value < (0 if key == "backfill_days" else 1):
                    raise ValueError(f"{key} cannot be {value}")
                stored = value
        else:
            _check(value, (bool,), key)
            stored = bool(value)

        def change(doc: TOMLDocument) -> None:
            _put(_table(doc, "privacy", super_table=True), account_id, key, stored)

        self.edit(change)

    def set_notification(self, key: str, value: Any) -> None:
        """Set a [notifications] key (dnd, dnd_until, flood_seconds, timezone, vip)."""
        if key not in NOTIFICATION_KEYS:
            raise KeyError(f"unknown [notifications] key: {key}")
        if value is not None:
            _check(value, NOTIFICATION_KEYS[key], f"notifications.{key}")
        self.edit(lambda doc: _put(doc, "notifications", key, value))

    def set_rules(self, rules: Iterable[NotificationRule]) -> None:
        """Replace the ordered rule list (comments inside the old rules go with them)."""
        rules = list(rules)
        for rule in rules:
            if rule.quiet_hours and not QUIET_HOURS_RE.match(rule.quiet_hours):
                raise ValueError(f"rule {rule.name!r}: quiet_hours must be 'HH:MM-HH:MM'")

        def change(doc: TOMLDocument) -> None:
            notifications = _table(doc, "notifications", super_table=True)
            array = AoT([rule_to_table(rule) for rule in rules])
            notifications["rules"] = array

        self.edit(change)

    def set_rule_enabled(self, index: int, enabled: bool) -> None:
        """Toggle one rule by its position, touching only its ``enabled`` key."""

        def change(doc: TOMLDocument) -> None:
            rules = doc.get("notifications", {}).get("rules")
            if not isinstance(rules, list) or not 0 <= index < len(rules):
                raise IndexError(f"no notification rule at position {index}")
            rules[index]["enabled"] = enabled

        self.edit(change)

    def add_account(self, account: AccountConfig) -> None:
        """Append an ``[[accounts]]`` entry.

        Raises:
            ValueError: an account with this id is already configured.
        """

        def change(doc: TOMLDocument) -> None:
            accounts = doc.get("accounts")
            if accounts is None:
                doc.append("accounts", AoT([account_to_table(account)]))
                return
            if not isinstance(accounts, list):
                raise ValueError("'accounts' in the config is not a list of tables")
            if any(isinstance(a, dict) and a.get("id") == account.id for a in accounts):
                raise ValueError(f"an account with id {account.id!r} already exists")
            accounts.append(account_to_table(account))

        self.edit(change)

    def set_account_field(self, account_id: str, key: str, value: Any) -> None:
        """Change one key of one account (``paused``, ``name``, ...); ``None`` removes it."""

        def change(doc: TOMLDocument) -> None:
            _set_or_remove(self._find_account(doc, account_id)[1], key, value)

        self.edit(change)

    def remove_account(self, account_id: str, *, drop_privacy: bool = True) -> None:
        """Remove an account's entry (and, by default, its ``[privacy.<id>]`` table).

        Raises:
            KeyError: no account has this id.
        """

        def change(doc: TOMLDocument) -> None:
            index, _ = self._find_account(doc, account_id)
            del doc["accounts"][index]
            privacy = doc.get("privacy")
            if drop_privacy and isinstance(privacy, MutableMapping) and account_id in privacy:
                del privacy[account_id]

        self.edit(change)

    @staticmethod
    def _find_account(doc: TOMLDocument, account_id: str) -> tuple[int, Any]:
        accounts = doc.get("accounts")
        if isinstance(accounts, list):
            for index, table in enumerate(accounts):
                if isinstance(table, MutableMapping) and table.get("id") == account_id:
                    return index, table
        raise KeyError(f"no account with id {account_id!r}")
