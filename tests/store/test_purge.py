"""Privacy purges remove text from the tables, the index and the file bytes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

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


async def test_a_purge_in_many_steps_leaves_what_one_step_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old messages go a few conversations at a time; the summaries, the emptied and the
    never-filled old conversations end as they would in one go."""

    async def filled(name: str) -> Store:
        store = await Store.open(tmp_path / name)
        for n in range(7):
            await store.apply_batch(
                "bakery",
                platform=M,
                conversations=[conv(f"t_{n}", f"Customer {n}", customer_id=f"p{n}", minute=0)],
                messages=[
                    msg(
                        f"m{n}_{k}",
                        f"word{k} of {n}",
                        conv=f"t_{n}",
                        sender=f"p{n}",
                        name=f"Customer {n}",
                        minute=10 * k,
                        from_us=k == 1,
                    )
                    for k in range(n % 4)  # minutes 0, 10, 20: some all old, some none
                ],
            )
        # Listed by a sync but never given a message: old, so it goes.
        await store.apply_batch("bakery", platform=M, conversations=[conv("t_bare", minute=-60)])
        await store.apply_batch(
            "other", platform=M, messages=[msg("o1", "another account", account="other")]
        )
        return store

    async def state(store: Store) -> tuple[object, ...]:
        rows = await store._all(
            "SELECT remote_id, message_count, unread_count, snippet, last_inbound_at, "
            "last_from_us, answered FROM conversations ORDER BY account_id, remote_id"
        )
        ids = await store._all("SELECT remote_id FROM messages ORDER BY remote_id")
        found = [h.message.remote_id for h in await store.search("of")]
        return [tuple(r) for r in rows], [r[0] for r in ids], sorted(found)

    one = await filled("one.db")
    many = await filled("many.db")
    try:
        assert await one.purge_older_than("bakery", at(15)) == 8
        monkeypatch.setattr("tui.store.maintenance.PURGE_STEP", 2)
        assert await many.purge_older_than("bakery", at(15)) == 8
        assert await state(many) == await state(one)
        conversations, messages, found = await state(many)
        assert messages == ["m3_2", "o1"] and found == ["m3_2"]
        # Only t_3 keeps a message: its answer (minute 10) went, so it is no longer
        # answered; the emptied, the empty and the bare old conversations are gone.
        assert conversations == [
            ("t_3", 1, 1, "word2 of 3", int(at(20).timestamp() * 1000), 0, 0),
            ("t_1", 1, 1, "another account", int(at(0).timestamp() * 1000), 0, 0),
        ]
    finally:
        await one.close()
        await many.close()


async def test_writes_get_their_turn_between_the_steps_of_a_long_purge(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sync and triage keys are not held until a long purge ends: a write sent while it
    runs (here: marking a conversation read) is done before the purge is over."""
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv(f"t_{n:02d}", customer_id=f"p{n}") for n in range(40)],
        messages=[msg(f"m{n}", "old words", conv=f"t_{n:02d}", minute=0) for n in range(40)],
    )
    monkeypatch.setattr("tui.store.maintenance.PURGE_STEP", 1)
    purge = asyncio.create_task(store.purge_older_than("bakery", at(30)))
    await asyncio.sleep(0)  # the purge has begun
    await store.mark_read("bakery", "t_39")
    assert not purge.done()
    assert await purge == 40
    assert await store.counts("bakery") == (0, 0)


async def test_bodies_are_erased_in_steps_from_every_conversation(
    store: Store, monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv(f"t_{n}", customer_id=f"p{n}") for n in range(7)],
        messages=[
            msg(f"m{n}_{k}", f"{SECRET} {k}", conv=f"t_{n}", sender=f"p{n}", minute=k)
            for n in range(7)
            for k in range(n % 3 + 1)
        ],
    )
    await store.apply_batch(
        "other", platform=M, messages=[msg("o1", f"{SECRET} kept", account="other")]
    )
    monkeypatch.setattr("tui.store.maintenance.PURGE_STEP", 2)
    assert await store.purge_bodies("bakery") == 13
    await store.checkpoint()
    texts = await store._all("SELECT account_id, text FROM messages")
    assert {r[1] for r in texts if r[0] == "bakery"} == {""}
    snippets = await store._all("SELECT snippet FROM conversations WHERE account_id = 'bakery'")
    assert {r[0] for r in snippets} == {""} and len(snippets) == 7
    assert [h.message.remote_id for h in await store.search(SECRET)] == ["o1"]


async def test_the_counts_shown_for_an_account_stay_those_of_its_rows(store: Store) -> None:
    """Profiles shows (conversations, messages) summed from the conversations' kept
    counts: through stores, a message sent twice, deletes and purges they stay exact."""

    async def exact() -> tuple[int, int]:
        conversations = await store._all(
            "SELECT COUNT(*) FROM conversations WHERE account_id = 'bakery'"
        )
        messages = await store._all("SELECT COUNT(*) FROM messages WHERE account_id = 'bakery'")
        return conversations[0][0], messages[0][0]

    batch = [msg(f"m{n}", "hello", conv=f"t_{n % 3}", minute=n * 10) for n in range(9)]
    await store.apply_batch(
        "bakery", platform=M, conversations=[conv(f"t_{n}") for n in range(3)], messages=batch
    )
    assert await store.counts("bakery") == await exact() == (3, 9)
    await store.apply_batch("bakery", platform=M, messages=batch[:4])  # again: no new rows
    assert await store.counts("bakery") == await exact() == (3, 9)
    assert await store.delete_message("bakery", "m4")
    assert await store.counts("bakery") == await exact() == (3, 8)
    await store.purge_bodies("bakery")
    assert await store.counts("bakery") == await exact() == (3, 8)
    await store.purge_older_than("bakery", at(35))
    assert await store.counts("bakery") == await exact() == (3, 4)
    await store.purge_older_than("bakery", at(1000))
    assert await store.counts("bakery") == await exact() == (0, 0)
    assert await store.counts("nobody") == (0, 0)


async def many_conversations(store: Store, account: str = "bakery", n: int = 7) -> None:
    await store.apply_batch(
        account,
        platform=M,
        conversations=[conv(f"t_{k}", customer_id=f"p{k}", account=account) for k in range(n)],
        messages=[
            msg(
                f"{account}{k}_{j}",
                f"{SECRET} {j}",
                conv=f"t_{k}",
                sender=f"p{k}",
                minute=j,
                account=account,
            )
            for k in range(n)
            for j in range(k % 3 + 1)
        ],
        cursors={"conversations": "x"},
    )


async def test_an_account_purge_cut_short_is_finished_at_the_next_start(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge of an unlinked account goes a few conversations a step. A crash between
    steps leaves its mark; the next start finishes the work and says so in Activity."""
    from tui.domain.rules import PrivacySettings
    from tui.services.maintenance import history_task
    from tui.store import maintenance

    store = await Store.open(db_path)
    await many_conversations(store)
    await store.apply_batch(
        "other", platform=M, messages=[msg("o1", f"{SECRET} kept", account="other")]
    )
    await store.enqueue(
        account_id="bakery", conversation_id="t_6", recipient_id="p6", action="text", text="hi"
    )
    await store.save_draft("bakery", "t_5", f"unsent {SECRET}", at(1))
    monkeypatch.setattr(maintenance, "PURGE_STEP", 2)
    steps = 0
    real = maintenance._delete_conversations

    def crash_on_the_third(*args: object, **kwargs: object) -> int:
        nonlocal steps
        steps += 1
        if steps == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(maintenance, "_delete_conversations", crash_on_the_third)
    with pytest.raises(sqlite3.OperationalError):
        await store.purge_account("bakery")
    await store.close()
    monkeypatch.setattr(maintenance, "_delete_conversations", real)

    store = await Store.open(db_path)
    try:
        assert await store.unfinished_purges() == {"bakery": "account"}
        left = await store.counts("bakery")
        assert left == (3, 6), "two steps of two conversations went before the crash"
        # What the service runs at start, before its daily history purge.
        stop = asyncio.Event()
        stop.set()
        upkeep = history_task(store, lambda: ["other"], lambda _a: PrivacySettings())
        await upkeep(stop)
        assert await store.counts("bakery") == (0, 0)
        assert await store.cursors("bakery") == {}
        assert await store.outbox_items(account_id="bakery") == []
        assert await store._all("SELECT * FROM drafts") == []
        assert [h.message.remote_id for h in await store.search(SECRET)] == ["o1"]
        assert await store.unfinished_purges() == {}
        (event,) = await store.activity_page(account_id="bakery", kinds=["privacy_purge"])
        assert event.summary == "finished the purge of this unlinked account: 6 more messages"
    finally:
        await store.close()


async def test_an_unfinished_purge_of_an_account_linked_again_keeps_its_data(
    store: Store,
) -> None:
    from tui.domain.rules import PrivacySettings
    from tui.services.maintenance import finish_purges

    await many_conversations(store)
    await store.begin_account_purge("bakery")
    assert await finish_purges(store, ["bakery"], lambda _a: PrivacySettings(), at(9)) == {}
    assert await store.unfinished_purges() == {}
    assert await store.counts("bakery") == (7, 13)


async def test_a_purge_finished_at_the_next_start_drops_the_pages_waiting_webhook_events(
    db_path: Path,
) -> None:
    """Killed right after the unlink began: config.toml no longer names the Page, yet the
    purge the next start finishes still drops the events webhooks delivered for it and
    not applied yet (they hold the customers' words), and no other Page's."""
    from tui.domain.rules import PrivacySettings
    from tui.services.maintenance import finish_purges
    from tui.store.webhooks import WebhookRecord

    store = await Store.open(db_path)
    await fill(store)
    waiting = [
        WebhookRecord("k1", "page", "111", 1, f'{{"text": "{SECRET} at the gate"}}'),
        WebhookRecord("k2", "page", "111", 2, f'{{"text": "{SECRET} failed once"}}'),
        WebhookRecord("k3", "page", "222", 3, '{"text": "for another page"}'),
        WebhookRecord("k4", "instagram", "111", 4, '{"text": "same id, other object"}'),
    ]
    assert await store.add_webhook_events(waiting, at(0)) == 4
    ids = {e.event_time: e.id for e in await store.pending_webhook_events()}
    await store.finish_webhook_events([], retry=[(ids[2], "no account yet")])
    await store.begin_account_purge("bakery", [("page", "111")])
    await store.close()  # the kill: nothing of the purge ran but its mark

    store = await Store.open(db_path)
    try:
        done = await finish_purges(store, ["other"], lambda _a: PrivacySettings(), at(9))
        assert done == {"bakery": 2}
        left = await store.pending_webhook_events()
        assert sorted((e.object, e.entry_id) for e in left) == [
            ("instagram", "111"),
            ("page", "222"),
        ]
        assert SECRET not in repr(await store._all("SELECT payload FROM webhook_inbox"))
    finally:
        await store.close()


async def test_text_removal_cut_short_is_finished_while_bodies_stay_off(store: Store) -> None:
    from tui.domain.rules import PrivacySettings
    from tui.services.maintenance import finish_purges

    await many_conversations(store)
    await many_conversations(store, "shop")
    for account in ("bakery", "shop"):
        await store._mark_purge(account, "bodies", "begun")  # as a purge cut short leaves it
    off = PrivacySettings(store_bodies=False)
    privacy = {"bakery": off, "shop": PrivacySettings()}
    done = await finish_purges(store, ["bakery", "shop"], privacy.__getitem__, at(9))
    assert done == {"bakery": 13}
    texts = await store._all("SELECT account_id, text FROM messages ORDER BY account_id")
    assert {r[1] for r in texts if r[0] == "bakery"} == {""}
    assert all(r[1] for r in texts if r[0] == "shop"), "the user turned bodies back on"
    assert await store.unfinished_purges() == {}


async def test_the_service_gets_turns_during_an_account_purge_and_a_second_call_waits(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await many_conversations(store, n=40)
    await many_conversations(store, "other", n=2)
    monkeypatch.setattr("tui.store.maintenance.PURGE_STEP", 1)
    purge = asyncio.create_task(store.purge_account("bakery"))
    await asyncio.sleep(0)  # the purge has begun
    await store.mark_read("other", "t_1")
    assert not purge.done()
    again = await store.purge_account("bakery")  # as a link of the same id would
    assert purge.done() and again == await purge == 79
    assert await store.counts("bakery") == (0, 0)
    assert await store.counts("other") == (2, 3)


async def test_retention_also_takes_old_held_back_records_and_old_sent_replies(
    store: Store,
) -> None:
    """history_days is about message text wherever it is kept: the records an adapter
    could not map (quarantine) and the outbox's sent replies outlived it before."""
    from tui.domain import OutboxState
    from tui.domain.models import QuarantinedRecord

    await fill(store)
    await store.add_quarantined(
        [
            QuarantinedRecord("bakery", "message", "bad", f'{{"text": "{SECRET} old"}}', at(1)),
            QuarantinedRecord("bakery", "message", "bad", '{"text": "recent"}', at(90)),
            QuarantinedRecord("other", "message", "bad", '{"text": "other"}', at(1)),
        ]
    )
    sent_old, sent_new, failed_old = [
        await store.enqueue(
            account_id="bakery",
            conversation_id="t_1",
            recipient_id="p",
            action="text",
            text=text,
            at=when,
        )
        for text, when in (("sent long ago", at(1)), ("sent lately", at(90)), ("never went", at(1)))
    ]
    await store.finish_outbox(sent_old.id, OutboxState.SENT, remote_id="r1")
    await store.finish_outbox(sent_new.id, OutboxState.SENT, remote_id="r2")
    await store.finish_outbox(failed_old.id, OutboxState.FAILED, error="window closed")
    await store.purge_older_than("bakery", at(30))
    kept = await store.quarantined()
    assert sorted(r.payload for r in kept) == ['{"text": "other"}', '{"text": "recent"}']
    texts = sorted(i.text for i in await store.outbox_items(account_id="bakery"))
    assert texts == ["never went", "sent lately"]
