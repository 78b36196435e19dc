"""A cursor is never committed before the messages it covers: a fault injected on the
message write leaves no cursor behind (issue 17 item 13; deterministic, unlike the kill
tests, which catch it only when a kill happens to land in the window)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.services.conftest import Rig
from tui.services.sync import WATERMARK
from tui.store import batch


async def test_a_failed_message_write_commits_no_cursor(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = rig.runtime.store
    # The messages of a batch are written on the database thread, inside its transaction.
    real = batch._write_messages
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:  # a few conversations in: some batches already committed
            raise sqlite3.OperationalError("disk I/O error (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "_write_messages", failing)
    sync = rig.runtime.engine.accounts["demo-page"]
    with pytest.raises(sqlite3.OperationalError):
        await sync.poll_once()
    cursors = await store.cursors("demo-page")
    assert WATERMARK not in cursors
    stored: dict[str, set[str]] = {}
    async for message in store.iter_messages(account_id="demo-page"):
        stored.setdefault(message.conversation_id, set()).add(message.remote_id)
    page = rig.sim.world.inboxes["demo-page"]
    for conv in page.conversations:
        if f"msg:{conv.id}" in cursors:
            # A committed cursor: every message it covers is stored with it.
            assert {m.id for m in conv.messages} <= stored.get(conv.id, set())
        else:
            assert conv.id not in stored or f"head:{conv.id}" not in cursors
    assert sum(1 for name in cursors if name.startswith("msg:")) == 2  # batches 1 and 2

    monkeypatch.setattr(batch, "_write_messages", real)
    report = await sync.poll_once()
    assert report.error is None
    expected = {m.id for conv in page.conversations for m in conv.messages}
    got = {m.remote_id async for m in store.iter_messages(account_id="demo-page")}
    assert expected <= got
