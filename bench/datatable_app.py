"""The naive baseline: the same inbox rows loaded whole into a Textual DataTable.

Usage: python -m bench.datatable_app DATABASE
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import DataTable


def load_rows(database: str) -> list[tuple[str, str, str, str]]:
    """Every conversation, newest activity first, as the inbox list shows them."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT account_id, customer_name, snippet, updated_at FROM conversations "
            "ORDER BY updated_at DESC"
        ).fetchall()
    finally:
        db.close()
    return [
        (
            name or "?",
            account,
            (snippet or "")[:60],
            datetime.fromtimestamp(at / 1000, UTC).strftime("%Y-%m-%d %H:%M"),
        )
        for account, name, snippet, at in rows
    ]


class TableInbox(App[None]):
    def __init__(self, database: str) -> None:
        super().__init__()
        self.database = database

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", id="inbox")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Account", "Snippet", "Time")
        table.add_rows(load_rows(self.database))
        table.focus()


if __name__ == "__main__":
    TableInbox(sys.argv[1]).run()
