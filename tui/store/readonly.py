"""Read-only looks at a store another process may be running (``linkdeck service status``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.domain.models import ActivityEvent
from tui.store.rows import from_ms

__all__ = ["ERROR_KINDS", "last_errors"]

ERROR_KINDS = ("sync_error", "token_expired", "rate_limited")
"""Activity kinds that record something going wrong with an account."""


def last_errors(db_path: Path) -> dict[str, ActivityEvent]:
    """The newest error logged for each account; empty when there is no database yet.

    Opened read-only (``mode=ro``): never migrates or writes a database that a running
    service, perhaps of another version, owns.
    """
    if not db_path.exists():
        return {}
    uri = f"{db_path.resolve().as_uri()}?mode=ro"
    marks = ",".join("?" * len(ERROR_KINDS))
    with sqlite3.connect(uri, uri=True, timeout=5.0) as db:
        # SQLite takes the bare columns from the row that holds MAX(at).
        rows = db.execute(
            "SELECT id, MAX(at), account_id, kind, summary, detail FROM activity"
            f" WHERE account_id IS NOT NULL AND kind IN ({marks})"
            " GROUP BY account_id",
            ERROR_KINDS,
        ).fetchall()
    db.close()
    newest: dict[str, ActivityEvent] = {}
    for row_id, at, account_id, kind, summary, detail in rows:
        newest[account_id] = ActivityEvent(from_ms(at), kind, summary, account_id, detail, row_id)
    return newest
