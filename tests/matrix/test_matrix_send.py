"""Sending through the outbox to a real Synapse, checked on the other user's side."""

from __future__ import annotations

from typing import Any

from tests.matrix.conftest import MatrixRig
from tests.matrixpeer import Peer
from tui.domain import MessageKind, OutboxState


def ephemeral(sync: dict[str, Any], room: str, kind: str) -> list[dict[str, Any]]:
    joined = sync.get("rooms", {}).get("join", {}).get(room, {})
    return [e for e in joined.get("ephemeral", {}).get("events", []) if e["type"] == kind]


def is_text(event: dict[str, Any]) -> bool:
    return bool(event["type"] == "m.room.message")


def readers(sync: dict[str, Any], room: str, event_id: str, receipt: str) -> set[str]:
    found: set[str] = set()
    for event in ephemeral(sync, room, "m.receipt"):
        found.update(event["content"].get(event_id, {}).get(receipt, {}))
    return found


async def test_a_reply_is_sent_once_and_seen_by_the_other_user(mx: MatrixRig) -> None:
    room = mx.dm()
    question = mx.bob.say(room, "is the shop open on sunday?")
    await mx.engine.run_once()
    item = await mx.outbox.send_text(mx.account_id, room, room, "yes, 9 to 1", in_reply_to=question)
    await mx.outbox.drain()
    [done] = [i for i in await mx.store.outbox_items(account_id=mx.account_id) if i.id == item.id]
    assert done.state is OutboxState.SENT
    ours = [e for e in mx.bob.messages(room) if e["sender"] == mx.me.user_id and is_text(e)]
    assert len(ours) == 1
    content = ours[0]["content"]
    assert content["body"] == "yes, 9 to 1"
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"] == question
    assert ours[0]["event_id"] == done.remote_id
    # The echo is in our history at once, and the next sync does not double it.
    await mx.engine.run_once()
    echoes = [m for m in await mx.messages(room) if m.from_us]
    assert [(m.remote_id, m.kind) for m in echoes] == [(done.remote_id, MessageKind.ECHO)]


async def test_a_retried_send_lands_once(mx: MatrixRig) -> None:
    room = mx.dm()
    await mx.engine.run_once()
    item = await mx.outbox.send_text(mx.account_id, room, room, "only once")
    # The same transaction id twice, as after a lost answer: the homeserver keeps one event.
    first = await mx.adapter.send_text(room, "only once", txn_id=item.idempotency_key)
    await mx.outbox.drain()
    mine = [e for e in mx.bob.messages(room) if e["sender"] == mx.me.user_id and is_text(e)]
    assert [e["event_id"] for e in mine] == [first.message_id]


async def test_read_receipts_public_when_on_private_when_off(mx: MatrixRig) -> None:
    room = mx.dm()
    first = mx.bob.say(room, "first")
    await mx.engine.run_once()
    since = mx.bob.sync()["next_batch"]
    await mx.outbox.sender_action(mx.account_id, room, room, "mark_seen")
    await mx.outbox.drain()
    assert mx.me.user_id in readers(mx.bob.sync(since, timeout=5000), room, first, "m.read")

    mx.set_privacy(send_read_receipts=False)
    second = mx.bob.say(room, "second")
    await mx.engine.run_once()
    me = Peer(mx.server, mx.me.access_token, mx.me.user_id)
    mine = me.sync()["next_batch"]
    since = mx.bob.sync(since)["next_batch"]
    await mx.outbox.sender_action(mx.account_id, room, room, "mark_seen")
    await mx.outbox.drain()
    # Our own devices learn the read position, privately; the other user learns nothing.
    # (The outbox is drained and the private receipt is on the homeserver: anything sent
    # for bob is there too, so his sync need not wait for it.)
    assert mx.me.user_id in readers(me.sync(mine, timeout=5000), room, second, "m.read.private")
    later = mx.bob.sync(since)
    assert mx.me.user_id not in readers(later, room, second, "m.read")
    assert mx.me.user_id not in readers(later, room, second, "m.read.private")


def typists(sync: dict[str, Any], room: str) -> list[list[str]]:
    return [t["content"]["user_ids"] for t in ephemeral(sync, room, "m.typing")]


async def test_typing_reaches_the_other_user_only_when_allowed(mx: MatrixRig) -> None:
    room = mx.dm()
    await mx.engine.run_once()
    since = mx.bob.sync()["next_batch"]
    await mx.outbox.sender_action(mx.account_id, room, room, "typing_on")
    await mx.outbox.drain()
    seen = mx.bob.sync(since, timeout=5000)
    assert typists(seen, room) == [[mx.me.user_id]]
    await mx.outbox.sender_action(mx.account_id, room, room, "typing_off")
    await mx.outbox.drain()
    seen = mx.bob.sync(seen["next_batch"], timeout=5000)
    assert typists(seen, room) == [[]]

    mx.set_privacy(send_typing=False)
    assert await mx.outbox.sender_action(mx.account_id, room, room, "typing_on") is None
    await mx.outbox.drain()
    # Bob starts typing: when his own typing reaches him, ours would have (sent before).
    mx.bob.typing(room, True)
    assert typists(mx.bob.sync(seen["next_batch"], timeout=5000), room) == [[mx.bob.user_id]]
