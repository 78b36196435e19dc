"""Writes a ready config for the simulator's seeded accounts: tokens go to secrets.toml only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomlkit

HEADER = (
    "Linkdeck config written by `linkdeck simulate` for its seeded accounts.\n"
    "Tokens are not here: they live in secrets.toml beside this file (mode 0600)."
)


def write_config(
    directory: Path,
    accounts: list[dict[str, Any]],
    apps: dict[str, tuple[str, str]] | None = None,
) -> Path:
    """Write ``config.toml`` and ``secrets.toml`` into ``directory``; return the config path.

    ``apps`` maps ``facebook`` / ``instagram`` to (app id, app secret): the ids go to
    ``[apps]`` in the config, the secrets to ``[app_secrets]`` beside the tokens.
    """
    directory.mkdir(parents=True, exist_ok=True)
    doc = tomlkit.document()
    for line in HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    tables = tomlkit.aot()
    secrets = tomlkit.table()
    for account in accounts:
        table = tomlkit.table()
        for key, value in account.items():
            if key != "token":
                table.add(key, value)
        tables.append(table)
        secrets.add(account["id"], account["token"])
    if apps:
        app_tables = tomlkit.table(is_super_table=True)
        for name, (app_id, _) in apps.items():
            entry = tomlkit.table()
            entry.add("app_id", app_id)
            app_tables.add(name, entry)
        doc.add("apps", app_tables)
    doc.add("accounts", tables)
    config = directory / "config.toml"
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    secret_doc = tomlkit.document()
    secret_doc.add(tomlkit.comment("Simulator tokens; keep this file private (mode 0600)."))
    if apps:
        app_secrets = tomlkit.table()
        for name, (_, secret) in apps.items():
            app_secrets.add(name, secret)
        secret_doc.add("app_secrets", app_secrets)
    # [secrets] last: a token added by hand at the end of the file lands in it.
    secret_doc.add("secrets", secrets)
    path = directory / "secrets.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(tomlkit.dumps(secret_doc))
    os.chmod(path, 0o600)  # an older file may have been created with wider permissions
    return config
