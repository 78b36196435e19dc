"""What cannot be stored whole is stored safely, held back once, and shown everywhere."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.store.conftest import msg
from tui.cli import main
from tui.config.paths import database_path
from tui.domain.models import Platform
from tui.services.doctor import Report, check_database
from tui.store import Store
from tui.store.validate import MAX_TEXT_BYTES

HUGE = "5MB " + "x" * (5 * 1024 * 1024)


def batch() -> list:
    return [
        msg("m_nul", "bad \x00 byte", minute=1),
        replace(msg("m_sur", "hi from a broken name", minute=2), sender_name="Eve \ud800"),
        msg("m_text_sur", "lone \udfff surrogate", minute=3),
        msg("m_huge", HUGE, minute=4),
    ]


async def fill(data_dir: Path, times: int = 3) -> Store:
    store = await Store.open(database_path(data_dir))
    for _ in range(times):  # every poll meets the same records again
        await store.apply_batch("bakery", platform=Platform.MESSENGER, messages=batch())
    return store


async def test_nul_surrogates_and_a_huge_body_are_stored_with_markers(tmp_path: Path) -> None:
    store = await fill(tmp_path)
    try:
        stored = {m.remote_id: m async for m in store.iter_messages(account_id="bakery")}
        assert set(stored) == {"m_nul", "m_sur", "m_text_sur", "m_huge"}
        assert stored["m_nul"].text == "bad ⟨NUL⟩ byte"
        assert stored["m_sur"].sender_name == "Eve ⟨U+D800⟩"
        assert stored["m_text_sur"].text == "lone ⟨U+DFFF⟩ surrogate"
        huge = stored["m_huge"].text
        assert huge.startswith("5MB xxx") and len(huge.encode()) <= MAX_TEXT_BYTES
        assert huge.endswith("chars set aside: linkdeck export --quarantine⟩")

        # The cut-off end is kept aside, once, whatever the number of polls.
        held = await store.quarantined()
        assert [(q.kind, q.remote_id) for q in held] == [("message-overflow", "m_huge")]
        assert huge.split("…⟨")[0] + held[0].payload == HUGE

        activity = await store.activity_page(kinds=["quarantine"], offset=0, limit=50)
        summaries = [a.summary for a in activity]
        assert sum("Held back 1 record" in s for s in summaries) == 1
        assert any("with markers" in s for s in summaries)
    finally:
        await store.close()


def test_doctor_and_export_show_what_was_held_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_fill_and_close(tmp_path))
    report = Report()
    check_database(tmp_path, report)
    (line,) = [w for w in report.warnings if w.startswith("quarantine")]
    assert "1 record(s) held back" in line and "linkdeck export --quarantine" in line

    assert main(["--data-dir", str(tmp_path), "export", "--quarantine"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["remote_id"]) for r in rows] == [("message-overflow", "m_huge")]
    assert rows[0]["payload"] and set(rows[0]["payload"]) == {"x"}


async def _fill_and_close(data_dir: Path) -> None:
    store = await fill(data_dir, times=2)
    await store.close()
