"""Outbox states survive restarts; activity log and quarantine list read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.conftest import at
from tui.domain.models import ActivityEvent, OutboxState, QuarantinedRecord
from tui.store import Store


async def enqueue(store: Store, text: str = "see you at 9") -> int:
    item = await store.enqueue(
        account_id="bakery", conversation_id="t_1", recipient_id="psid_1", action="text", text=text
    )
    assert item.state is OutboxState.QUEUED and item.attempts == 0
    return item.id


async def test_send_life_cycle(store: Store) -> None:
    item_id = await enqueue(store)
    claimed = await store.claim_outbox(item_id)
    assert claimed is not None and claimed.state is OutboxState.SENDING and claimed.attempts == 1
    assert await store.claim_outbox(item_id) is None  # nobody sends it twice
    await store.finish_outbox(item_id, OutboxState.SENT, remote_id="m_sent")
    [done] = await store.outbox_items()
    assert (done.state, done.remote_id, done.text) == (OutboxState.SENT, "m_sent", "see you at 9")
    assert await store.claim_outbox(item_id) is None
    with pytest.raises(ValueError):
        await store.finish_outbox(item_id, OutboxState.FAILED, error="late")


async def test_failure_keeps_the_error_and_keys_are_unique(store: Store) -> None:
    first, second = await enqueue(store), await enqueue(store, "again")
    await store.claim_outbox(first)
    await store.finish_outbox(first, OutboxState.FAILED, error="(#10) outside window" * 200)
    items = {i.id: i for i in await store.outbox_items()}
    assert items[first].state is OutboxState.FAILED
    error = items[first].error
    assert error is not None and len(error) <= 1000
    assert items[first].idempotency_key != items[second].idempotency_key
    assert [i.id for i in await store.outbox_items([OutboxState.QUEUED])] == [second]
    assert await store.outbox_items(account_id="other") == []
    with pytest.raises(ValueError):
        await store.finish_outbox(second, OutboxState.SENDING)


async def test_crash_while_sending_becomes_unknown(db_path: Path) -> None:
    store = await Store.open(db_path)
    item_id = await enqueue(store)
    queued_id = await enqueue(store, "not started")
    await store.claim_outbox(item_id)
    await store.close()  # the process dies mid-send
    store = await Store.open(db_path)
    try:
        assert await store.recover_outbox() == 1
        states = {i.id: i.state for i in await store.outbox_items()}
        assert states == {item_id: OutboxState.UNKNOWN, queued_id: OutboxState.QUEUED}
        # After the user checked, an unknown send may be retried, counting a second attempt.
        retry = await store.claim_outbox(item_id)
        assert retry is not None and retry.attempts == 2
        assert await store.recover_outbox() == 1
    finally:
        await store.close()


async def test_activity_log_newest_first_with_filters(store: Store) -> None:
    await store.log_activity(ActivityEvent(at=at(1), kind="link", summary="linked", account_id="a"))
    await store.log_activity(ActivityEvent(at=at(2), kind="send", summary="sent", account_id="a"))
    await store.log_activity(
        ActivityEvent(at=at(3), kind="link", summary="linked b", account_id="b")
    )
    page = await store.activity_page()
    assert [e.summary for e in page] == ["linked b", "sent", "linked"]
    assert page[0].at == at(3) and page[0].id is not None
    assert [e.summary for e in await store.activity_page(account_id="a")] == ["sent", "linked"]
    assert [e.summary for e in await store.activity_page(kinds=["link"])] == ["linked b", "linked"]
    assert [e.summary for e in await store.activity_page(offset=1, limit=1)] == ["sent"]


async def test_quarantined_is_empty_at_first(store: Store) -> None:
    assert await store.quarantined() == []


async def test_adapter_problems_are_kept_even_when_hostile(store: Store) -> None:
    await store.add_quarantined(
        [
            QuarantinedRecord(
                account_id="bakery",
                kind="message",
                reason="no created_time",
                payload='{"id": "m_1", "message": "\ud800 and \x00"}' + "x" * 50_000,
                at=at(1),
                remote_id="m_1",
            )
        ]
    )
    [kept] = await store.quarantined()
    assert kept.remote_id == "m_1" and kept.reason == "no created_time"
    assert "\\ud800" in kept.payload and "\x00" not in kept.payload
    assert len(kept.payload) <= 16_000
