"""Privacy purges remove text from the tables, the index and the file bytes."""

from __future__ import annotations

from pathlib import Path

from tests.store.conftest import at, conv, msg
from tui.domain.models import Platform
from tui.store import Store

M = Platform.MESSENGER
SECRET = "Xylophonequartz"


async def fill(store: Store) -> None:
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv("t_1")],
        messages=[
            msg("m1", f"my card code is {SECRET} thanks", minute=1),
            msg("m2", f"{SECRET} again, newer", minute=60),
        ],
    )
    await store.apply_batch(
        "other", platform=M, messages=[msg("o1", "unrelated words", account="other")]
    )


def file_bytes(db_path: Path) -> bytes:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_purge_bodies_leaves_no_text_in_the_files(store: Store, db_path: Path) -> None:
    await fill(store)
    await store.checkpoint()
    assert SECRET.encode() in file_bytes(db_path)
    assert await store.purge_bodies("bakery") == 2
    await store.checkpoint()
    assert SECRET.encode() not in file_bytes(db_path)
    assert SECRET.lower().encode() not in file_bytes(db_path)  # the index keeps words folded
    assert db_path.with_name(db_path.name + "-wal").stat().st_size == 0
    assert await store.search(SECRET) == []
    page = await store.messages_page("bakery", "t_1", None, 10)
    assert [m.text for m in page] == ["", ""]
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.snippet == "" and c.message_count == 2
    assert [h.message.remote_id for h in await store.search("unrelated")] == ["o1"]


async def test_purge_older_than(store: Store) -> None:
    await fill(store)
    assert await store.purge_older_than("bakery", at(30)) == 1
    page = await store.messages_page("bakery", "t_1", None, 10)
    assert [m.remote_id for m in page] == ["m2"]
    assert [h.message.remote_id for h in await store.search(SECRET)] == ["m2"]
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.message_count == 1
    assert await store.purge_older_than("bakery", at(120)) == 1
    assert await store.get_conversation("bakery", "t_1") is None
    assert await store.counts("other") == (1, 1)


async def test_purge_account_removes_everything_of_that_account(store: Store) -> None:
    await fill(store)
    await store.apply_batch("bakery", platform=M, cursors={"conversations": "x"})
    await store.enqueue(
        account_id="bakery", conversation_id="t_1", recipient_id="p", action="text", text="hi"
    )
    assert await store.purge_account("bakery") == 2
    assert await store.counts("bakery") == (0, 0)
    assert await store.cursors("bakery") == {}
    assert await store.outbox_items(account_id="bakery") == []
    assert await store.search(SECRET) == []
    assert await store.counts("other") == (1, 1)
