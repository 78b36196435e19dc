"""Drafts in a real SQLite file: one per conversation, gone with their conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tui.domain.models import Conversation, Identity, InboxMessage, Platform
from tui.store import InboxView, Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def add(store: Store, account: str, conv: str) -> None:
    customer = Identity(account, f"c-{conv}", name=f"Customer {conv}")
    conversation = Conversation(account, conv, Platform.MESSENGER, customer, updated_at=NOW)
    message = InboxMessage(account, f"m-{conv}", conv, customer.platform_user_id, NOW, text="hi")
    await store.apply_batch(
        account, platform=Platform.MESSENGER, conversations=[conversation], messages=[message]
    )


async def test_a_draft_per_conversation_marks_its_row(store_file: Store) -> None:
    store = store_file
    await add(store, "bakery", "t1")
    await add(store, "bakery", "t2")
    assert await store.save_draft("bakery", "t1", "first words", NOW) is True
    assert await store.save_draft("bakery", "t1", "first words, more", NOW) is False
    assert await store.get_draft("bakery", "t1") == "first words, more"
    assert await store.get_draft("bakery", "t2") is None
    rows = await store.conversations_page(InboxView(), 0, 10, NOW)
    assert {c.remote_id: c.draft for c in rows} == {"t1": True, "t2": False}
    assert (await store.get_conversation("bakery", "t1")).draft  # type: ignore[union-attr]
    assert await store.save_draft("bakery", "t1", "   ", NOW) is True, "blank text drops it"
    assert await store.get_draft("bakery", "t1") is None
    assert await store.draft_count() == 0


async def test_no_draft_for_an_unknown_conversation_and_none_after_a_purge(
    store_file: Store,
) -> None:
    store = store_file
    assert await store.save_draft("bakery", "nope", "text", NOW) is False
    assert await store.draft_count() == 0
    await add(store, "bakery", "t1")
    await store.save_draft("bakery", "t1", "kept", NOW)
    await store.purge_account("bakery")
    assert await store.draft_count() == 0


async def test_a_draft_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "linkdeck.db"
    store = await Store.open(path)
    await add(store, "bakery", "t1")
    await store.save_draft("bakery", "t1", "across restarts", NOW)
    await store.close()
    again = await Store.open(path)
    try:
        assert await again.get_draft("bakery", "t1") == "across restarts"
    finally:
        await again.close()


async def test_erasing_an_accounts_text_erases_its_drafts(store_file: Store) -> None:
    await add(store_file, "bakery", "t1")
    await add(store_file, "cafe", "t2")
    await store_file.save_draft("bakery", "t1", "our secret recipe", NOW)
    await store_file.save_draft("cafe", "t2", "see you", NOW)
    await store_file.purge_bodies("bakery")
    assert await store_file.get_draft("bakery", "t1") is None
    assert await store_file.get_draft("cafe", "t2") == "see you"
