"""The ingest breakdown sees every statement where it runs (it reaches into aiosqlite)."""

from __future__ import annotations

from pathlib import Path

from bench.ingest import make_messages
from bench.ingest_parts import kind_of, run, store_parts


def test_the_breakdown_times_every_statement_on_the_database_thread(tmp_path: Path) -> None:
    parts = store_parts(tmp_path / "store" / "linkdeck.db", make_messages(3_000, 60), 500)

    assert {"INSERT INTO messages", "INSERT INTO messages_fts", "COMMIT"} <= set(parts.sql)
    # Each part holds the one inside it: statements run within the thread's work, which
    # runs within the loop's waits, which fall within the whole run.
    assert 0 < parts.sql_total < parts.on_thread < parts.waiting < parts.whole


def test_statement_kinds_drop_their_values_and_conditions() -> None:
    upsert = "INSERT INTO messages (a, b)\n VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"
    assert kind_of(upsert) == "INSERT INTO messages"
    assert kind_of("UPDATE conversations SET x = 1 WHERE id = ?") == "UPDATE conversations"
    assert kind_of("COMMIT") == "COMMIT"


def test_the_side_by_side_run_prints_its_three_times() -> None:
    printed = run(2_000, 40, 500, overlapped=True)
    lines = [line.strip() for line in printed.splitlines()]
    for label in ("the replay alone", "validating every batch alone", "both at once"):
        assert any(line.startswith(label) for line in lines), printed
    assert "of the validation hidden" in printed
