"""``from:`` finds every writer of a conversation, under any name they were stored with.

A ``from:`` search that leaves few messages starts from the ``senders`` table (one row per
writer and name a conversation) instead of scanning every message. These tests hold the
table to the messages: whatever a message says of its sender is in it, a purge or the
retention window takes what no message carries any more, and an older store gains it.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from tui.domain.models import MessageKind, Platform
from tui.store import Store

from .conftest import at, conv, msg

M = Platform.MESSENGER


async def senders_missing(store: Store) -> list[tuple[str, ...]]:
    """Senders of stored messages the ``senders`` table does not hold (must be none)."""
    rows = await store._all(
        "SELECT account_id, conversation_id, sender_id, sender_name FROM messages "
        "EXCEPT SELECT account_id, conversation_id, sender_id, sender_name FROM senders"
    )
    return [tuple(r) for r in rows]


async def sender_rows(store: Store) -> set[tuple[str, ...]]:
    rows = await store._all(
        "SELECT account_id, conversation_id, sender_id, sender_name FROM senders"
    )
    return {tuple(r) for r in rows}


async def found(store: Store, query: str) -> list[str]:
    return sorted(h.message.remote_id for h in await store.search(query))


GROUP = [
    msg("g1", "who brings the cake", conv="t_group", sender="p_ana", name="Ana Silva", minute=1),
    msg("g2", "I will", conv="t_group", sender="p_rui", name="Rui Costa", minute=2),
    msg("g3", "bring candles too", conv="t_group", sender="p_zoe", name="Zoé Lima", minute=3),
    msg("g4", "done", conv="t_group", from_us=True, minute=4),
]


async def test_every_writer_of_a_group_is_found_by_name_or_id(store: Store) -> None:
    await store.apply_batch(
        "bakery", platform=M, conversations=[conv("t_group", "Ana Silva")], messages=GROUP
    )
    # Rui is neither the conversation's customer nor us: only his messages name him.
    assert await found(store, "from:rui") == ["g2"]
    assert await found(store, "from:p_zoe") == ["g3"]
    assert await found(store, "from:zoé candles") == ["g3"]
    assert await found(store, "from:bakery") == ["g4"]
    assert await found(store, "from:nobody") == []
    assert await senders_missing(store) == []


async def test_a_renamed_sender_is_found_by_both_names(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=GROUP[:2])
    renamed = msg("g5", "see you", conv="t_group", sender="p_rui", name="Rui C.", minute=5)
    await store.apply_batch("bakery", platform=M, messages=[renamed])
    # Meta sends the old message again under the new name: the row takes it.
    again = dataclasses.replace(GROUP[1], sender_name="Rui C.")
    await store.apply_batch("bakery", platform=M, messages=[again])

    assert await found(store, 'from:"rui c."') == ["g2", "g5"]
    assert await found(store, "from:p_rui") == ["g2", "g5"]
    assert await senders_missing(store) == []


async def test_an_unsend_that_overtakes_its_message_leaves_a_findable_sender(
    store: Store,
) -> None:
    await store.apply_batch("bakery", platform=M, messages=GROUP[:1])
    changed = await store.mark_removed(
        "bakery",
        "g9",
        conversation_id="t_group",
        sender_id="p_ghost",
        created_at=at(9),
        from_us=False,
    )
    assert changed
    assert await senders_missing(store) == []
    assert ("bakery", "t_group", "p_ghost", "") in await sender_rows(store)


async def test_a_purge_takes_its_senders(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=GROUP)
    await store.apply_batch(
        "studio", platform=M, messages=[msg("s1", "hi", account="studio", sender="p_x", name="X")]
    )
    await store.purge_account("bakery")
    assert {row[0] for row in await sender_rows(store)} == {"studio"}
    assert await found(store, "from:rui") == []


async def test_the_retention_window_takes_senders_left_without_messages(store: Store) -> None:
    old = msg("r1", "years ago", conv="t_group", sender="p_rui", name="Rui Old", minute=0)
    new = msg("r2", "today", conv="t_group", sender="p_rui", name="Rui Costa", minute=600)
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv("t_group", "Ana Silva")],
        messages=[old, new, GROUP[0]],
    )

    await store.purge_older_than("bakery", at(300))

    names = {row[3] for row in await sender_rows(store)}
    assert "Rui Old" not in names and "Rui Costa" in names
    assert await found(store, 'from:"rui old"') == []
    assert await found(store, "from:p_rui") == ["r2"]
    assert await senders_missing(store) == []


async def test_a_store_from_before_the_senders_table_gains_it(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[*GROUP, msg("k1", "", kind=MessageKind.REACTION, sender="p_ana", name="")],
    )
    await store.close()
    # Back to the schema of version 7: no senders table.
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TABLE senders")
        db.execute("PRAGMA user_version = 7")

    store = await Store.open(db_path)
    try:
        assert await senders_missing(store) == []
        assert len(await sender_rows(store)) == 5
        assert await found(store, "from:rui") == ["g2"]
    finally:
        await store.close()


async def test_a_deleted_message_takes_a_name_no_other_message_carries(store: Store) -> None:
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv("t_group", "Ana Silva")],
        messages=[*GROUP, msg("g6", "again", conv="t_group", sender="p_ana", name="Ana S.")],
    )
    assert await store.delete_message("bakery", "g2")
    assert await store.delete_message("bakery", "g6")

    rows = await sender_rows(store)
    assert not any(row[2] == "p_rui" for row in rows)
    assert ("bakery", "t_group", "p_ana", "Ana S.") not in rows
    assert ("bakery", "t_group", "p_ana", "Ana Silva") in rows
    assert await found(store, "from:rui") == []
    assert await senders_missing(store) == []
