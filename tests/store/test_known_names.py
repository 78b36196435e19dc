"""Who the user knows (what a stranger could imitate): people answered, merged, or VIPs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.domain.models import Platform
from tui.store import Store

from .conftest import msg

M = Platform.MESSENGER


def names(entries: list[tuple[str, str, int | None]]) -> set[str]:
    return {name for name, _, _ in entries}


ANSWERED_THEN_WROTE_AGAIN = [
    msg("m1", "hi", minute=1),
    msg("m2", "hello Ana", minute=2, from_us=True),
    msg("m3", "thanks", minute=3),
]
"""Ana Silva writes, the bakery answers, she writes again (the last word is hers)."""


async def test_a_customer_answered_once_stays_known_when_they_write_again(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "hi", minute=1)])
    assert names(await store.known_names()) == set(), "written to, never answered"
    await store.apply_batch(
        "bakery", platform=M, messages=[msg("m2", "we open at nine", minute=2, from_us=True)]
    )
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[
            msg("m3", "thanks", minute=3),
            msg("b1", "hello", conv="t_2", sender="psid_2", name="Bruno Lima", minute=4),
        ],
    )
    assert await store.known_names() == [("Ana Silva", "psid_1", None)]


async def test_a_customer_whose_every_answer_is_deleted_is_known_no_more(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=ANSWERED_THEN_WROTE_AGAIN)
    assert names(await store.known_names()) == {"Ana Silva"}
    assert await store.delete_message("bakery", "m2")
    assert names(await store.known_names()) == set()


async def test_a_store_from_before_the_answered_mark_knows_whom_it_answered(
    db_path: Path,
) -> None:
    store = await Store.open(db_path)
    await store.apply_batch(
        "bakery",
        platform=M,
        messages=[
            *ANSWERED_THEN_WROTE_AGAIN,
            msg("b1", "hello", conv="t_2", sender="psid_2", name="Bruno Lima", minute=4),
        ],
    )
    await store.close()
    db = sqlite3.connect(db_path, isolation_level=None)
    try:  # back to version 6, which had no such column
        db.execute("ALTER TABLE conversations DROP COLUMN answered")
        db.execute("DROP TABLE senders")  # from migration 8
        db.execute("PRAGMA user_version = 6")
    finally:
        db.close()
    reopened = await Store.open(db_path)
    try:
        assert names(await reopened.known_names()) == {"Ana Silva"}
    finally:
        await reopened.close()
