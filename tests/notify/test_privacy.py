"""Every privacy toggle changes behaviour at once, proven through the simulator or the store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from tests.pilot import eventually
from tui.config.paths import database_path
from tui.domain import OutboxState
from tui.domain.models import Conversation, Identity, Platform
from tui.services.maintenance import (
    MergeRefused,
    history_task,
    link_people,
    merge_suggestions,
    purge_bodies,
    purge_history,
)
from tui.services.notifier import contexts_for

from .conftest import Rig

PAGE = "demo-page"
SECRET = "Pineapple4711Secret"


def set_privacy(rig: Rig, account: str, key: str, value: bool | int | None) -> None:
    rig.runtime.prefs_file.set_privacy(account, key, value)
    rig.runtime.reload_prefs()


def first_conversation(rig: Rig, account: str = PAGE) -> tuple[str, str]:
    conv = rig.sim.world.inboxes[account].conversations[0]
    return conv.id, conv.customer.id


def raw_bytes(rig: Rig) -> bytes:
    assert rig.runtime.data_dir is not None
    db = database_path(rig.runtime.data_dir)
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def actions(rig: Rig) -> list[str]:
    return [a["action"] for a in rig.sim.actions]


async def test_read_receipts_off_sends_no_mark_seen(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    conv, customer = first_conversation(rig)
    set_privacy(rig, PAGE, "send_read_receipts", False)
    assert await rig.runtime.outbox.sender_action(PAGE, conv, customer, "mark_seen") is None
    await rig.runtime.outbox.drain()
    assert "mark_seen" not in actions(rig)
    assert not [r for r in await rig.requests_to("/messages") if r["method"] == "POST"]

    # Queued while allowed, turned off before it went out: still not sent.
    set_privacy(rig, PAGE, "send_read_receipts", True)
    assert await rig.runtime.outbox.sender_action(PAGE, conv, customer, "mark_seen")
    set_privacy(rig, PAGE, "send_read_receipts", False)
    await rig.runtime.outbox.drain()
    assert "mark_seen" not in actions(rig)

    set_privacy(rig, PAGE, "send_read_receipts", True)
    await rig.runtime.outbox.sender_action(PAGE, conv, customer, "mark_seen")
    await rig.runtime.outbox.drain()
    assert actions(rig) == ["mark_seen"], "on again: the next read is reported"


async def test_typing_off_sends_no_typing_indicator(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    conv, customer = first_conversation(rig)
    set_privacy(rig, PAGE, "send_typing", False)
    assert await rig.runtime.outbox.sender_action(PAGE, conv, customer, "typing_on") is None
    await rig.runtime.outbox.drain()
    assert actions(rig) == []
    set_privacy(rig, PAGE, "send_typing", True)
    await rig.runtime.outbox.sender_action(PAGE, conv, customer, "typing_on")
    await rig.runtime.outbox.drain()
    assert actions(rig) == ["typing_on"]


async def test_contact_sync_off_keeps_no_names(rig: Rig) -> None:
    set_privacy(rig, PAGE, "sync_contacts", False)
    await rig.runtime.engine.run_once()
    conv, _ = first_conversation(rig)
    stored = await rig.runtime.store.get_conversation(PAGE, conv)
    assert stored is not None
    assert stored.customer.name == "" and stored.customer.username == ""
    names = {m.sender_name async for m in rig.runtime.store.iter_messages(account_id=PAGE)}
    assert names == {""}
    other = await rig.runtime.store.get_conversation(
        "demo-iglogin", first_conversation(rig, "demo-iglogin")[0]
    )
    assert other is not None and other.customer.display_name, "other accounts unaffected"


async def test_backfill_depth_is_read_at_each_step(rig: Rig) -> None:
    sync = rig.runtime.engine.accounts[PAGE]
    await sync.poll_once()
    set_privacy(rig, PAGE, "backfill_days", 0)
    before = len(rig.sim.requests)
    assert await sync.backfill_step() is False
    assert len(rig.sim.requests) == before, "no history is fetched at depth 0"
    set_privacy(rig, PAGE, "backfill_days", None)
    await sync.backfill_step(max_pages=50)
    assert len(rig.sim.requests) > before


async def test_store_bodies_off_leaves_no_text_in_db_or_wal(rig: Rig) -> None:
    for account in rig.account_ids():
        set_privacy(rig, account, "store_bodies", False)
    await rig.runtime.engine.run_once()
    await rig.inbound(PAGE, f"my card is {SECRET}")
    reports = await rig.runtime.engine.run_once()
    assert any(m.text.endswith(SECRET) for r in reports for m in r.new_messages)
    data = raw_bytes(rig).lower()
    assert SECRET.lower().encode() not in data
    conversations = rig.sim.world.inboxes[PAGE].conversations
    seeded = next(m.text for c in conversations for m in c.messages if len(m.text) > 12)
    assert seeded.encode() not in raw_bytes(rig)
    # Metadata is still kept.
    assert (await rig.runtime.store.counts(PAGE))[1] > 0


async def test_store_bodies_off_leaves_no_text_of_our_own_sent_reply(rig: Rig) -> None:
    set_privacy(rig, PAGE, "store_bodies", False)
    await rig.runtime.engine.run_once()
    conv, customer = first_conversation(rig)
    outbox = rig.runtime.outbox
    reply = f"your code is {SECRET}"
    item = await outbox.send_text(PAGE, conv, customer, reply)
    assert await outbox.process(item) is OutboxState.SENT
    assert any(s["text"] == reply for s in (await rig.control.get("/_sim/sent")).json()["data"])
    await rig.runtime.engine.run_once()  # the echo comes back from the platform too
    assert SECRET.lower().encode() not in raw_bytes(rig).lower()
    [done] = [i for i in await rig.runtime.store.outbox_items() if i.id == item.id]
    assert done.state is OutboxState.SENT and done.text == ""


async def test_turning_bodies_off_purges_the_text_of_sent_replies(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    conv, customer = first_conversation(rig)
    item = await rig.runtime.outbox.send_text(PAGE, conv, customer, f"code {SECRET}")
    assert await rig.runtime.outbox.process(item) is OutboxState.SENT
    assert SECRET.encode() in raw_bytes(rig), "the test can see text when it is there"
    set_privacy(rig, PAGE, "store_bodies", False)
    await purge_bodies(rig.runtime.store, PAGE)
    assert SECRET.lower().encode() not in raw_bytes(rig).lower()


async def test_turning_bodies_off_purges_existing_text(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    await rig.inbound(PAGE, f"my card is {SECRET}")
    await rig.runtime.engine.run_once()
    assert SECRET.encode() in raw_bytes(rig), "the test can see text when it is there"
    set_privacy(rig, PAGE, "store_bodies", False)
    purged = await purge_bodies(rig.runtime.store, PAGE)
    assert purged > 0
    assert SECRET.lower().encode() not in raw_bytes(rig).lower()
    texts = {m.text async for m in rig.runtime.store.iter_messages(account_id=PAGE)}
    assert texts == {""}


async def test_history_days_purges_older_messages_on_demand_and_daily(rig: Rig) -> None:
    store = rig.runtime.store
    await rig.runtime.engine.run_once()
    now = rig.sim.clock.now()
    cutoff = now - timedelta(days=2)
    old = [m async for m in store.iter_messages(account_id=PAGE) if m.created_at < cutoff]
    assert old, "the seeded world has history older than two days"
    set_privacy(rig, PAGE, "history_days", 2)
    counts = await purge_history(store, rig.account_ids(), rig.runtime.privacy, now)
    assert counts[PAGE] == len(old)
    assert [m async for m in store.iter_messages(account_id=PAGE) if m.created_at < cutoff] == []
    assert [m async for m in store.iter_messages(account_id=PAGE)], "newer ones stay"
    assert "demo-iglogin" not in counts, "accounts keeping history forever are untouched"

    # The daily task runs once at start, then waits for the next day (or the stop).
    set_privacy(rig, "demo-iglogin", "history_days", 1)

    stop = asyncio.Event()
    task = history_task(store, rig.account_ids, rig.runtime.privacy, clock=lambda: now)
    running = asyncio.create_task(task(stop))

    async def trimmed() -> bool:
        left = [m async for m in store.iter_messages(account_id="demo-iglogin")]
        return all(m.created_at >= now - timedelta(days=1) for m in left)

    await eventually(trimmed)
    stop.set()
    await asyncio.wait_for(running, 2)
    left = [m async for m in store.iter_messages(account_id="demo-iglogin")]
    assert all(m.created_at >= now - timedelta(days=1) for m in left)


async def test_person_merging_off_refuses_links_and_suggestions(rig: Rig) -> None:
    rig.sim.inbound(PAGE, None, "hello", name="Zoë Twin")
    await rig.runtime.engine.run_once()
    # Instagram shows usernames only, so the twin on that side is stored directly.
    twin = Identity("demo-iglogin", "igsid-twin", name="Zoe Twin")
    now = rig.sim.clock.now()
    await rig.runtime.store.apply_batch(
        "demo-iglogin",
        platform=Platform.INSTAGRAM,
        conversations=[Conversation("demo-iglogin", "t_twin", Platform.INSTAGRAM, twin, now)],
    )
    suggestions = await merge_suggestions(rig.runtime.store, rig.runtime.privacy)
    assert any(PAGE in (x.account_id, y.account_id) for x, y in suggestions)
    a = (PAGE, first_conversation(rig)[0])
    b = ("demo-iglogin", first_conversation(rig, "demo-iglogin")[0])
    set_privacy(rig, PAGE, "person_merging", False)
    with pytest.raises(MergeRefused):
        await link_people(rig.runtime.store, rig.runtime.privacy, a, b)
    assert (await rig.runtime.store.get_conversation(*a)).customer.person_id is None  # type: ignore[union-attr]
    suggestions = await merge_suggestions(rig.runtime.store, rig.runtime.privacy)
    assert all(PAGE not in (x.account_id, y.account_id) for x, y in suggestions)
    set_privacy(rig, PAGE, "person_merging", True)
    person = await link_people(rig.runtime.store, rig.runtime.privacy, a, b)
    assert (await rig.runtime.store.get_conversation(*a)).customer.person_id == person  # type: ignore[union-attr]


async def test_contexts_know_muted_and_strangers(rig: Rig, tmp_path: Path) -> None:
    await rig.runtime.engine.run_once()
    await rig.inbound(PAGE, "first time here", customer="psid-brand-new")
    await rig.inbound(PAGE, "hello again, it is me", customer="psid-brand-new")
    conv, customer = first_conversation(rig)
    await rig.inbound(PAGE, "me again", customer=customer)
    await rig.runtime.store.set_flag(PAGE, conv, muted=True)
    reports = await rig.runtime.engine.run_once()
    new = [m for r in reports for m in r.new_messages]
    contexts = await contexts_for(rig.runtime.store, new, rig.sim.clock.now())
    by_text = {m.text: c for m, c in zip(new, contexts, strict=True)}
    assert by_text["first time here"].known is False
    # Writing twice does not make a stranger a contact; being answered (by the user) does.
    assert by_text["hello again, it is me"].known is False
    assert by_text["me again"].known is True
    assert by_text["me again"].muted is True
    assert by_text["first time here"].platform == "messenger"


def test_toggles_that_cannot_act_are_explained() -> None:
    from tui.panes.privacy import limit_for

    assert limit_for("messenger", "send_read_receipts", connected=True) is None
    reason = limit_for("instagram", "send_typing", connected=False)
    assert reason is not None and "not connected" in reason
    assert limit_for("instagram", "store_bodies", connected=False) is None, "local: still works"
