"""The sync engine against the simulator on a real loopback socket."""

from __future__ import annotations

import asyncio

from tests.pilot import eventually
from tui.domain import AccountState, OutboxState
from tui.services.events import AccountStateChanged, MessagesArrived
from tui.store.views import InboxView

from .conftest import Rig


async def stored_ids(rig: Rig) -> set[str]:
    """Stored message ids, less the reaction events the adapters derive from messages."""
    return {
        m.remote_id
        async for m in rig.runtime.store.iter_messages()
        if ":reaction:" not in m.remote_id
    }


def sim_ids(rig: Rig) -> set[str]:
    return set(rig.sim.world.messages)


async def test_first_sync_stores_every_seeded_message_then_idles_at_one_request(rig: Rig) -> None:
    reports = await rig.runtime.engine.run_once()
    assert all(r.error is None for r in reports)
    assert await stored_ids(rig) == sim_ids(rig)
    count = await rig.runtime.store.count_conversations(InboxView("all"), rig.sim.clock.now())
    assert count == len(rig.sim.world.conversations)

    idle = await rig.runtime.engine.run_once()
    assert [r.requests for r in idle] == [1, 1, 1], "an idle poll costs one request per account"
    assert all(not r.new_messages for r in idle)


async def test_a_burst_costs_k_plus_one_requests_and_is_announced_live(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    queue = rig.runtime.bus.subscribe()
    customers = [c.customer.id for c in rig.sim.world.inboxes["demo-page"].conversations[:3]]
    for n in range(9):
        await rig.inbound("demo-page", f"burst {n}", customer=customers[n % 3])
    sync = rig.runtime.engine.accounts["demo-page"]
    report = await sync.poll_once()
    assert len(report.new_messages) == 9
    assert report.requests == 3 + 1
    events = [e for e in iter_queue(queue) if isinstance(e, MessagesArrived)]
    assert events and not events[-1].catch_up, "live messages may alert"
    assert {m.text for m in events[-1].messages} == {f"burst {n}" for n in range(9)}


async def test_more_messages_than_one_page_leave_no_hole(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    customer = rig.sim.world.inboxes["demo-page"].conversations[0].customer.id
    for n in range(45):
        await rig.inbound("demo-page", f"flood {n}", customer=customer)
    await rig.runtime.engine.accounts["demo-page"].poll_once()
    assert await stored_ids(rig) == sim_ids(rig)


async def test_expired_token_parks_one_account_and_the_others_keep_syncing(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    page_token = rig.sim.world.tokens["page"]
    await rig.control.post(f"/_sim/tokens/{page_token}", json={"expire": True})
    await rig.inbound("demo-iglogin", "still here")
    queue = rig.runtime.bus.subscribe()
    reports = {r.account_id: r for r in await rig.runtime.engine.run_once()}
    assert rig.runtime.engine.accounts["demo-page"].status.state is AccountState.NEEDS_REAUTH
    assert [m.text for m in reports["demo-iglogin"].new_messages] == ["still here"]
    # Polling again does not spin: the account is parked, and the expiry is logged once.
    assert await rig.runtime.engine.accounts["demo-page"].step() is None
    changes = [e for e in iter_queue(queue) if isinstance(e, AccountStateChanged)]
    assert [c.status.state for c in changes if c.status.account_id == "demo-page"] == [
        AccountState.NEEDS_REAUTH
    ]
    log = await rig.runtime.store.activity_page(account_id="demo-page", kinds=["token_expired"])
    assert len(log) == 1


async def test_a_burst_of_server_errors_backs_off_then_recovers_without_loss(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    await rig.inbound("demo-page", "during the outage")
    await rig.control.post(
        "/_sim/faults",
        json={"path": "re:/conversations$", "count": 3, "status": 500, "error": {"code": 2}},
    )
    sync = rig.runtime.engine.accounts["demo-page"]
    delays = [await sync.step() for _ in range(3)]
    assert sync.status.state is AccountState.ERROR
    assert all(
        d is not None and 0 < d <= sync.pacer.max_delay_after(n + 1) for n, d in enumerate(delays)
    )
    report = await sync.poll_once()
    assert report.error is None
    assert [m.text for m in report.new_messages] == ["during the outage"]
    assert report.catch_up, "messages that waited out an outage do not alert"
    assert await stored_ids(rig) == sim_ids(rig)


async def test_a_poison_record_is_stored_with_markers_and_the_rest_too(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    await rig.inbound("demo-page", "before the poison")
    await rig.inbound("demo-page", "bad \x00 byte")
    await rig.inbound("demo-page", "after the poison")
    for _ in range(3):
        await rig.runtime.engine.accounts["demo-page"].poll_once()
    texts = {m.text async for m in rig.runtime.store.iter_messages(account_id="demo-page")}
    assert {"before the poison", "bad ⟨NUL⟩ byte", "after the poison"} <= texts
    assert await rig.runtime.store.quarantined() == []


async def test_a_send_delivered_but_answered_with_an_error_is_never_repeated(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    conv = rig.sim.world.inboxes["demo-page"].conversations[0]
    await rig.inbound("demo-page", "are you open?", customer=conv.customer.id)
    await rig.control.post("/_sim/outcome", json={"count": 1, "mode": "error_after_delivery"})
    outbox = rig.runtime.outbox
    item = await outbox.send_text("demo-page", conv.id, conv.customer.id, "Yes, until six!")
    assert await outbox.process(item) is OutboxState.UNKNOWN
    # The retry path reads the conversation first and finds the reply already there.
    (pending,) = await rig.runtime.store.outbox_items([OutboxState.UNKNOWN])
    assert await outbox.process(pending) is OutboxState.SENT
    await outbox.drain()
    sent = (await rig.control.get("/_sim/sent")).json()["data"]
    assert [s["text"] for s in sent].count("Yes, until six!") == 1


async def test_engine_runs_accounts_concurrently_until_stopped(rig: Rig) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(rig.runtime.engine.run(stop))

    async def connected() -> bool:
        return all(s.state is AccountState.CONNECTED for s in rig.runtime.engine.statuses())

    await eventually(connected)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert await stored_ids(rig) == sim_ids(rig)


def iter_queue(queue: asyncio.Queue) -> list:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_a_corrupt_database_is_moved_aside_and_resynced(tmp_path) -> None:
    from tui.services.runtime import open_runtime
    from tui.simulator.testing import loopback_simulator

    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "linkdeck.db").write_bytes(b"this is not SQLite at all" * 100)
    async with loopback_simulator(seed=2) as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        runtime = await open_runtime(config, data)
        try:
            assert any("moved aside" in p for p in runtime.problems)
            (aside,) = data.glob("linkdeck.db.corrupt-*")
            assert aside.read_bytes().startswith(b"this is not SQLite")
            reports = await runtime.engine.run_once()
            assert all(r.error is None for r in reports)
            ids = {m.remote_id async for m in runtime.store.iter_messages()}
            assert set(sim.world.messages) <= ids
        finally:
            await runtime.close()


async def test_a_second_instance_on_the_same_data_dir_is_refused(rig: Rig, tmp_path) -> None:
    import pytest

    from tui.services.api import AlreadyRunning
    from tui.services.runtime import open_runtime

    assert rig.runtime.data_dir is not None
    config = rig.runtime.prefs_file.path
    with pytest.raises(AlreadyRunning, match="already using"):
        await open_runtime(config, rig.runtime.data_dir)


async def test_usage_headers_slow_the_account_down_then_pause_it(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    sync = rig.runtime.engine.accounts["demo-page"]
    calm = sync.pacer.after_success(had_news=False)
    # A small hourly budget makes the simulator's usage headers climb with every call.
    await rig.control.post("/_sim/config", json={"rate": {"hourly_budget": 40}})
    slowed = []
    for _ in range(40):
        delay = await sync.step()
        usage = sync.adapter.client.usage
        if usage is not None and usage.max_pct >= 95:
            break
        if usage is not None and usage.max_pct >= 80:
            slowed.append(delay)
    else:
        raise AssertionError("usage never reached 95 %")
    assert slowed, "usage passed 80 % on the way up"
    assert all(d is not None and d >= 3 * calm * 0.99 for d in slowed)
    paused = await sync.step()
    assert sync.status.state is AccountState.RATE_LIMITED
    assert sync.status.until is not None
    assert paused is not None and paused >= 60, "paused until the time the platform gives"


async def test_the_same_words_sent_twice_are_both_delivered(rig: Rig) -> None:
    """Reconciling a lost answer never mistakes an earlier identical reply for this one."""
    await rig.runtime.engine.run_once()
    conv = rig.sim.world.inboxes["demo-page"].conversations[0]
    await rig.inbound("demo-page", "two boxes please", customer=conv.customer.id)
    outbox = rig.runtime.outbox
    first = await outbox.send_text("demo-page", conv.id, conv.customer.id, "ok")
    assert await outbox.process(first) is OutboxState.SENT
    # The second "ok" never reaches the platform, but the answer is lost all the same.
    await rig.control.post(
        "/_sim/faults",
        json={
            "path": "re:/messages$",
            "method": "POST",
            "count": 1,
            "status": 500,
            "error": {"code": 2},
        },
    )
    second = await outbox.send_text("demo-page", conv.id, conv.customer.id, "ok")
    assert await outbox.process(second) is OutboxState.UNKNOWN
    (pending,) = await rig.runtime.store.outbox_items([OutboxState.UNKNOWN])
    assert await outbox.process(pending) is OutboxState.SENT
    sent = (await rig.control.get("/_sim/sent")).json()["data"]
    assert [s["text"] for s in sent].count("ok") == 2


async def test_a_conversation_from_the_future_does_not_hide_every_later_one(rig: Rig) -> None:
    """A timestamp in 2100 must not carry the watermark past all conversations to come."""
    await rig.runtime.engine.run_once()
    sync = rig.runtime.engine.accounts["demo-page"]
    future = {"account": "demo-page", "text": "from 2100", "timestamp": 4102444800000}
    response = await rig.control.post("/_sim/inbound", json={**future, "name": "Time Traveller"})
    response.raise_for_status()
    await sync.poll_once()
    await rig.inbound("demo-page", "an ordinary new customer, a minute later")
    await sync.poll_once()
    texts = {m.text async for m in rig.runtime.store.iter_messages(account_id="demo-page")}
    assert {"from 2100", "an ordinary new customer, a minute later"} <= texts


async def test_a_watermark_stored_in_the_future_is_listed_again(rig: Rig) -> None:
    from tui.domain.models import Platform

    await rig.runtime.engine.run_once()
    sync = rig.runtime.engine.accounts["demo-page"]
    await rig.runtime.store.apply_batch(
        "demo-page",
        platform=Platform.MESSENGER,
        cursors={"conversations": "2100-01-01T00:00:00+00:00"},
    )
    await rig.inbound("demo-page", "written while the watermark was poisoned")
    # The dashboard starts again ten minutes later, with the poisoned watermark stored.
    (await rig.control.post("/_sim/clock", json={"advance": 600})).raise_for_status()
    await sync.poll_once()
    texts = {m.text async for m in rig.runtime.store.iter_messages(account_id="demo-page")}
    assert "written while the watermark was poisoned" in texts


async def test_the_facebook_apps_code_4_leaves_the_instagram_login_account_alone(
    rig: Rig,
) -> None:
    """Code 4 is the app's limit (Graph API "Rate Limits"): Instagram Login is another app."""
    from tui.domain import AccountState

    await rig.runtime.engine.run_once()
    used = len(getattr(rig.sim.limits, "_apps", {}).get("facebook", ()))
    await rig.control.post("/_sim/config", json={"rate": {"app_hourly_budget": used + 1}})
    for account_id in ("demo-page", "demo-ig", "demo-iglogin"):
        await rig.runtime.engine.accounts[account_id].step()
    states = {s.account_id: s.state for s in rig.runtime.engine.statuses()}
    assert states["demo-page"] is AccountState.RATE_LIMITED
    assert states["demo-ig"] is AccountState.RATE_LIMITED, "same Facebook app, same limit"
    assert states["demo-iglogin"] is not AccountState.RATE_LIMITED


async def test_a_message_stamped_in_2100_is_dated_when_received_and_its_window_is_a_day(
    rig: Rig,
) -> None:
    """A stranger's clock in 2100 neither pins the conversation to the top nor opens a
    reply window for decades: the time is taken as when it arrived."""
    from tui.widgets.inbox_rows import ConversationRow

    await rig.runtime.engine.run_once()
    sync = rig.runtime.engine.accounts["demo-page"]
    future = {"account": "demo-page", "text": "from 2100", "timestamp": 4102444800000}
    response = await rig.control.post("/_sim/inbound", json={**future, "name": "Time Traveller"})
    response.raise_for_status()
    await sync.poll_once()
    now = rig.sim.clock.now()
    page = await rig.runtime.store.conversations_page(InboxView("all"), 0, 500, now)
    (late,) = [c for c in page if c.customer.name == "Time Traveller"]
    assert late.updated_at <= now and late.last_inbound_at is not None
    assert late.last_inbound_at <= now
    row = ConversationRow(late, now).render(120).plain
    assert "open 1d" in row and row.rstrip().endswith("now"), row
    # Two hours later it is two hours old, and a customer writing now goes above it.
    (await rig.control.post("/_sim/clock", json={"advance": 7200})).raise_for_status()
    await rig.inbound("demo-page", "an ordinary customer, two hours later")
    await sync.poll_once()
    now = rig.sim.clock.now()
    page = await rig.runtime.store.conversations_page(InboxView("all"), 0, 500, now)
    names = [c.customer.name for c in page]
    (late,) = [c for c in page if c.customer.name == "Time Traveller"]
    row = ConversationRow(late, now).render(120).plain
    assert "open 22h" in row and row.rstrip().endswith("2h"), row
    assert page[0].customer.name != "Time Traveller", names
