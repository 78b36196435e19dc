"""``linkdeck export`` through the real command line: JSON lines and CSV round trips."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from tests.store.conftest import at, msg
from tui.cli import main
from tui.config.paths import database_path
from tui.domain.models import ActivityEvent, Attachment, Platform
from tui.store import Store
from tui.store.export import MESSAGE_COLUMNS

TRICKY = 'line one\nline "two", with comma; émoji 🍰'


def fill(data_dir: Path) -> None:
    async def go() -> None:
        store = await Store.open(database_path(data_dir))
        try:
            await store.apply_batch(
                "bakery",
                platform=Platform.MESSENGER,
                messages=[
                    msg("m1", "hello", minute=1),
                    msg("m2", TRICKY, minute=2, from_us=True),
                ],
            )
            photo = Attachment(kind="image", url="https://cdn.test/p.jpg")
            ig = msg("i1", "", account="shop-ig", conv="ig_1", minute=3)
            await store.apply_batch(
                "shop-ig",
                platform=Platform.INSTAGRAM,
                messages=[replace(ig, attachments=(photo,))],
            )
            await store.log_activity(
                ActivityEvent(at=at(0), kind="link", summary="Linked bakery", account_id="bakery")
            )
        finally:
            await store.close()

    asyncio.run(go())


def test_jsonl_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(tmp_path)
    assert main(["--data-dir", str(tmp_path), "export"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["message_id"] for r in rows] == ["m1", "m2", "i1"]
    assert all(tuple(r) == MESSAGE_COLUMNS for r in rows)
    assert rows[1]["text"] == TRICKY and rows[1]["direction"] == "out"
    assert rows[0] == {
        "account": "bakery",
        "platform": "messenger",
        "conversation": "t_1",
        "message_id": "m1",
        "created_at": "2026-11-20T09:01:00.000+00:00",
        "direction": "in",
        "kind": "message",
        "sender_id": "psid_1",
        "sender_name": "Ana Silva",
        "text": "hello",
        "attachments": [],
    }
    assert rows[2]["platform"] == "instagram"
    assert rows[2]["attachments"] == [{"kind": "image", "url": "https://cdn.test/p.jpg"}]


def test_csv_round_trip_with_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(tmp_path)
    assert (
        main(["--data-dir", str(tmp_path), "export", "--format", "csv", "--account", "bakery"]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["message_id"] for r in rows] == ["m1", "m2"]
    assert rows[1]["text"] == TRICKY
    assert json.loads(rows[0]["attachments"]) == []
    assert main(["--data-dir", str(tmp_path), "export", "--since", "2026-11-21"]) == 0
    assert capsys.readouterr().out == ""


def test_activity_export_to_a_private_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(tmp_path)
    out = tmp_path / "audit.csv"
    argv = ["--data-dir", str(tmp_path), "export", "--activity", "--format", "csv", "-o", str(out)]
    assert main(argv) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows == [
        {
            "at": "2026-11-20T09:00:00.000+00:00",
            "account": "bakery",
            "kind": "link",
            "summary": "Linked bakery",
            "detail": "",
        }
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "1 rows" in capsys.readouterr().err


def test_missing_database_and_bad_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "none"), "export"]) == 1
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
    fill(tmp_path)
    for bad in ("yesterday", "2026-13-01", "2026-1-1"):
        assert main(["--data-dir", str(tmp_path), "export", "--since", bad]) == 2
        assert "--since" in capsys.readouterr().err


def test_csv_cells_never_become_spreadsheet_formulas(tmp_path: Path) -> None:
    import csv
    import io

    from tui.store.export import _cell

    assert _cell('=HYPERLINK("http://e.vil","click")') == '\'=HYPERLINK("http://e.vil","click")'
    assert _cell("-1") == "'-1" and _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell("plain text") == "plain text" and _cell(42) == 42
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell("+cmd|' /C calc'!A0")])
    assert buffer.getvalue().startswith("'+cmd")
