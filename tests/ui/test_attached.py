"""Dashboards attached to one service: the header names it, each sees the other's triage."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.pilot import Pilot

from tests.conftest import ServiceRig
from tests.pilot import wait_until
from tui.panes.inbox import InboxPane
from tui.services.events import ServiceState
from tui.store import InboxView
from tui.widgets.virtual_list import VirtualList

SIZE = (120, 40)


async def ready(pilot: Pilot[Any]) -> InboxPane:
    await wait_until(pilot, lambda: bool(pilot.app.query(InboxPane)))
    pane = pilot.app.query_one(InboxPane)
    await wait_until(pilot, lambda: pane.refreshes >= 1)
    lst = pilot.app.query_one("#inbox-list", VirtualList)
    await wait_until(pilot, lambda: lst.cursor_key is not None)
    return pane


def header(pilot: Pilot[Any]) -> str:
    return " ".join(str(w.render()) for w in pilot.app.query("#status-line *"))


async def test_two_dashboards_see_one_triage_key_together(service_rig: ServiceRig) -> None:
    one = service_rig.dashboard(await service_rig.attach())
    two = service_rig.dashboard(await service_rig.attach())
    async with one.run_test(size=SIZE) as p1, two.run_test(size=SIZE) as p2:
        pane1, pane2 = await ready(p1), await ready(p2)
        assert f"service {service_rig.service.info.pid} since" in header(p1)
        assert f"service {service_rig.service.info.pid} since" in header(p2)
        key = p1.app.query_one("#inbox-list", VirtualList).cursor_key
        assert key is not None and pane2.source is not None and key in pane2.source.loaded
        seen: dict[str, float] = {}
        before1, before2 = pane1.refreshes, pane2.refreshes

        def note() -> bool:
            now = time.monotonic()
            if pane1.refreshes > before1:
                seen.setdefault("one", now)
            if pane2.refreshes > before2:
                seen.setdefault("two", now)
            return len(seen) == 2

        await p1.press("e")  # done: it leaves the All view in both dashboards
        await wait_until(p1, note)
        await wait_until(p2, lambda: pane2.source is not None and key not in pane2.source.loaded)
        assert pane1.source is not None and key not in pane1.source.loaded
        # One push from the service reaches both: they redraw within a moment of each other.
        assert abs(seen["one"] - seen["two"]) < 0.5
        stored = await service_rig.runtime.store.get_conversation(*key)
        assert stored is not None and stored.triage.status.value == "done"


async def test_reply_and_preferences_follow_in_the_other_dashboard(
    service_rig: ServiceRig,
) -> None:
    one = service_rig.dashboard(await service_rig.attach())
    two = service_rig.dashboard(await service_rig.attach())
    async with one.run_test(size=SIZE) as p1, two.run_test(size=SIZE) as p2:
        await ready(p1)
        await ready(p2)
        await p1.press("ctrl+d")
        await wait_until(p2, lambda: "DND on" in header(p2))
        assert "DND on" in header(p1)
        store = service_rig.runtime.store
        now = service_rig.sim.clock.now()
        conversation = (await store.conversations_page(InboxView(), 0, 1, now))[0]
        client = one.service
        assert client is not None
        await client.send_reply(
            (conversation.account_id, conversation.remote_id),
            conversation.customer.platform_user_id,
            "sent from dashboard one",
        )
        await wait_until(
            p2,
            lambda: any(m.get("text") == "sent from dashboard one" for m in service_rig.sim.sent),
            timeout=20,
        )


async def test_a_lost_service_shows_in_the_header_and_keys_do_not_crash(
    service_rig: ServiceRig,
) -> None:
    client = await service_rig.attach()
    app = service_rig.dashboard(client)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await service_rig.server.close()  # every connection drops, as with kill -9
        await wait_until(pilot, lambda: not client.link.up)
        await wait_until(pilot, lambda: "service lost" in header(pilot))
        assert "ctrl+b" in header(pilot)
        await pilot.press("e")
        await pilot.pause(0.1)
        assert app.is_running
        events: list[ServiceState] = []

        async def follow() -> None:
            async for event in client.events():
                if isinstance(event, ServiceState):
                    events.append(event)
                    return

        pilot.app.run_worker(follow())
        await service_rig.server.start()
        await wait_until(pilot, lambda: client.link.up, timeout=15)
        await wait_until(pilot, lambda: "service lost" not in header(pilot))
        assert events and events[0].up


async def test_a_draft_typed_while_no_service_runs_is_kept_in_the_store(
    service_rig: ServiceRig,
) -> None:
    """Detached, the dashboard keeps the half-written reply itself: quitting (or a crash)
    before any service is back must not lose it."""
    client = await service_rig.attach()
    store = service_rig.runtime.store
    now = service_rig.runtime.engine.clock()
    first = (await store.conversations_page(InboxView(), 0, 1, now))[0]
    key = (first.account_id, first.remote_id)
    await service_rig.server.close()  # every connection drops, as with kill -9
    deadline = asyncio.get_running_loop().time() + 15
    while client.link.up:
        assert asyncio.get_running_loop().time() < deadline, "the client never saw the loss"
        await asyncio.sleep(0.05)
    await client.save_draft(key, "half a reply, typed while detached")
    assert await store.get_draft(*key) == "half a reply, typed while detached"
    await client.clear_draft(key)
    assert await store.get_draft(*key) is None
