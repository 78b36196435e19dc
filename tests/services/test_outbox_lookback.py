"""Settling a send whose answer was lost: read back far enough, and ask when unsure."""

from __future__ import annotations

from tests.services.conftest import Rig
from tui.domain import OutboxState
from tui.domain.models import UNCONFIRMED


async def sent_texts(rig: Rig) -> list[str]:
    return [s["text"] for s in (await rig.control.get("/_sim/sent")).json()["data"]]


async def test_an_unprovable_send_waits_for_the_user_instead_of_going_out_again(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    conv = rig.sim.world.inboxes["demo-iglogin"].conversations[0]
    await rig.inbound("demo-iglogin", "do you ship?", customer=conv.customer.id)
    await rig.control.post("/_sim/outcome", json={"count": 1, "mode": "error_after_delivery"})
    outbox = rig.runtime.outbox
    item = await outbox.send_text("demo-iglogin", conv.id, conv.customer.id, "We do, worldwide")
    assert await outbox.process(item) is OutboxState.UNKNOWN
    # 25 more messages: Instagram no longer gives the details of our reply (20 newest only).
    for n in range(25):
        await rig.inbound("demo-iglogin", f"still there? {n}", customer=conv.customer.id)

    for _ in range(3):  # however often the worker passes, nothing is resent
        await outbox.drain()
    (pending,) = await rig.runtime.store.outbox_items([OutboxState.UNKNOWN])
    assert pending.needs_user and pending.error == UNCONFIRMED
    assert (await sent_texts(rig)).count("We do, worldwide") == 1
    activity = await rig.runtime.store.activity_page(kinds=["send"], offset=0, limit=10)
    assert any(UNCONFIRMED in event.summary for event in activity)

    # The user looked and says it did not arrive: now, and only now, it goes again.
    await outbox.retry(pending.id)
    await outbox.drain()
    assert (await sent_texts(rig)).count("We do, worldwide") == 2


async def test_a_lost_answer_is_found_pages_back(rig: Rig) -> None:
    await rig.runtime.engine.run_once()
    conv = rig.sim.world.inboxes["demo-page"].conversations[0]
    await rig.inbound("demo-page", "open sunday?", customer=conv.customer.id)
    await rig.control.post("/_sim/outcome", json={"count": 1, "mode": "error_after_delivery"})
    outbox = rig.runtime.outbox
    item = await outbox.send_text("demo-page", conv.id, conv.customer.id, "Yes, 9 to 1")
    assert await outbox.process(item) is OutboxState.UNKNOWN
    for n in range(60):
        await rig.inbound("demo-page", f"great {n}", customer=conv.customer.id)
    await outbox.drain()
    (done,) = [i for i in await rig.runtime.store.outbox_items() if i.id == item.id]
    assert done.state is OutboxState.SENT
    assert (await sent_texts(rig)).count("Yes, 9 to 1") == 1
