"""Rooms from a (fake) mautrix-meta bridge: recognised by their state, named by puppets."""

from __future__ import annotations

import time

from tests.matrix.conftest import MatrixRig, unique
from tests.matrixpeer import FakeBridge, Peer
from tui.domain import Platform
from tui.services.matrix_link import describe_bridges


def join(mx: MatrixRig, room: str) -> None:
    Peer(mx.server, mx.me.access_token, mx.me.user_id).join(room)


async def test_bridged_rooms_show_under_their_network_with_the_puppets_name(
    mx: MatrixRig, bridge: FakeBridge
) -> None:
    ana = bridge.puppet(unique("ig_"), "Ana Souza")
    bo = bridge.puppet(unique("fb_"), "Bo Lind")
    instagram = bridge.portal("instagram", ana, mx.me.user_id)
    messenger = bridge.portal("facebook", bo, mx.me.user_id)
    plain = mx.dm("Book club")
    for room in (instagram, messenger):
        join(mx, room)
    bridge.send_as(ana, instagram, "hi from insta")
    bridge.send_as(bo, messenger, "hi from messenger")
    mx.bob.say(plain, "hi from matrix")

    await mx.engine.run_once()

    seen = {}
    for room in (instagram, messenger, plain):
        conversation = await mx.store.get_conversation(mx.account_id, room)
        assert conversation is not None
        seen[room] = (conversation.platform, conversation.customer.name)
    assert seen[instagram] == (Platform.INSTAGRAM, "Ana Souza")
    assert seen[messenger] == (Platform.MESSENGER, "Bo Lind")
    assert seen[plain] == (Platform.MATRIX, "Book club")
    [message] = await mx.messages(instagram)
    assert (message.text, message.sender_name) == ("hi from insta", "Ana Souza")
    # The Profiles tab names the bridges found, from the same remembered room state.
    bridges = describe_bridges(await mx.store.cursors(mx.account_id))
    assert bridges == (
        f"Facebook Messenger via {bridge.bot}: 1 room; Instagram via {bridge.bot}: 1 room"
    )


async def test_bridged_history_longer_than_the_timeline_is_backfilled_whole(
    mx: MatrixRig, bridge: FakeBridge
) -> None:
    ana = bridge.puppet(unique("ig_"), "Ana Souza")
    room = bridge.portal("instagram", ana, mx.me.user_id)
    join(mx, room)
    start = int(time.time() * 1000) - 3_600_000
    sent = [bridge.send_as(ana, room, f"old {n}", ts=start + n * 1000) for n in range(130)]

    await mx.engine.run_once()

    stored = await mx.messages(room)
    assert [m.remote_id for m in stored] == sent, "every message once, in order"
    conversation = await mx.store.get_conversation(mx.account_id, room)
    assert conversation is not None and conversation.snippet == "old 129"


async def test_a_gap_in_a_live_sync_is_filled(mx: MatrixRig) -> None:
    room = mx.dm()
    await mx.engine.run_once()
    # 80 messages between two syncs: more than one timeline holds (limited, prev_batch).
    sent = [mx.bob.say(room, f"burst {n}") for n in range(80)]
    await mx.engine.run_once()
    assert [m.remote_id for m in await mx.messages(room)] == sent


async def test_invites_from_a_known_bridge_are_joined_a_strangers_waits(
    mx: MatrixRig, bridge: FakeBridge
) -> None:
    me = Peer(mx.server, mx.me.access_token, mx.me.user_id)
    # The bridge's first portal, joined by the user (in any client): the bridge is known.
    ana = bridge.puppet(unique("ig_"), "Ana Souza")
    first = bridge.portal("instagram", ana, mx.me.user_id)
    join(mx, first)
    await mx.engine.run_once()
    # mautrix-meta makes a new portal as its bot and invites the user from the bot; the
    # chat's history is already there, longer than one sync timeline.
    cy = bridge.puppet(unique("ig_"), "Cy Moreau")
    portal = bridge.portal("instagram", cy, mx.me.user_id)
    start = int(time.time() * 1000) - 600_000
    sent = [bridge.send_as(cy, portal, f"hey {n}", ts=start + n * 1000) for n in range(70)]
    # A puppet of the same bridge adds the user to a group chat.
    group = bridge.group_as(ana, mx.me.user_id, "Trip planning")
    # A stranger's invitation, with a message waiting behind it.
    stranger = mx.bob.create_room(name="Free followers", invite=(mx.me.user_id,))
    mx.bob.say(stranger, "click this")

    [report] = await mx.engine.run_once()

    assert report.error is None
    joined = me.joined_rooms()
    assert {portal, group} <= joined
    assert stranger not in joined, "a stranger's invitation is never accepted for the user"
    conversation = await mx.store.get_conversation(mx.account_id, portal)
    assert conversation is not None
    assert (conversation.platform, conversation.customer.name) == (Platform.INSTAGRAM, "Cy Moreau")
    assert [m.remote_id for m in await mx.messages(portal)] == sent, "backfilled after joining"
    waiting = await mx.store.get_conversation(mx.account_id, stranger)
    assert waiting is not None and waiting.platform is Platform.MATRIX
    [note] = await mx.messages(stranger)
    assert note.sender_id == mx.bob.user_id
    assert note.text.startswith("Invitation from ") and "not accepted" in note.text
    assert "click this" not in [m.text for m in await mx.messages(stranger)]
    # Accepted in another client: the room reads like any other and the note goes.
    me.join(stranger)
    await mx.engine.run_once()
    assert [m.text for m in await mx.messages(stranger)] == ["click this"]


async def test_an_invitation_the_homeserver_will_not_let_us_join_does_not_stall_the_sync(
    mx: MatrixRig, bridge: FakeBridge
) -> None:
    ana = bridge.puppet(unique("ig_"), "Ana Souza")
    known = bridge.portal("instagram", ana, mx.me.user_id)
    join(mx, known)
    await mx.engine.run_once()
    # The bridge invites us, then everyone leaves: the invitation stands, the join fails.
    cy = bridge.puppet(unique("ig_"), "Cy Moreau")
    empty = bridge.portal("instagram", cy, mx.me.user_id)
    for who in ({"user_id": cy}, {}):
        bridge.http.post(f"/rooms/{empty}/leave", params=who, json={}).raise_for_status()
    bridge.send_as(ana, known, "still here")

    [report] = await mx.engine.run_once()

    assert report.error is None
    assert "still here" in [m.text for m in await mx.messages(known)]
    assert empty not in Peer(mx.server, mx.me.access_token, mx.me.user_id).joined_rooms()
