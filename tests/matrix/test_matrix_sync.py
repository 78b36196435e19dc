"""Matrix sync against a real Synapse: first sync, live events, gaps, restarts."""

from __future__ import annotations

from tests.matrix.conftest import MatrixRig
from tests.matrixpeer import Peer
from tui.domain import MessageKind, Platform


async def test_first_sync_stores_a_room_and_its_messages(mx: MatrixRig) -> None:
    room = mx.dm()
    sent = [mx.bob.say(room, f"hello {n}") for n in range(3)]
    reports = await mx.engine.run_once()
    assert [r.error for r in reports] == [None]
    stored = await mx.messages(room)
    assert [m.remote_id for m in stored] == sent
    assert [m.text for m in stored] == ["hello 0", "hello 1", "hello 2"]
    conversation = await mx.store.get_conversation(mx.account_id, room)
    assert conversation is not None
    assert conversation.platform is Platform.MATRIX
    assert conversation.customer.name == mx.bob.user_id[1:].split(":")[0]


async def test_message_edit_reaction_and_redaction_arrive_live(mx: MatrixRig) -> None:
    room = mx.dm("Bakery chat")
    await mx.engine.run_once()
    async with mx.live():
        first = mx.bob.say(room, "the cake is ready")

        async def has(text: str) -> bool:
            return text in [m.text for m in await mx.messages(room)]

        await mx.until(lambda: has("the cake is ready"), "a live message")
        mx.bob.edit(room, first, "the cake is ready at 5")
        await mx.until(lambda: has("the cake is ready at 5"), "the edit")
        stored = await mx.messages(room)
        assert [m.remote_id for m in stored] == [first], "an edit changes the message in place"
        mx.bob.react(room, first, "👍")

        async def reacted() -> bool:
            return any(m.kind is MessageKind.REACTION for m in await mx.messages(room))

        await mx.until(reacted, "the reaction")
        reaction = next(m for m in await mx.messages(room) if m.kind is MessageKind.REACTION)
        assert reaction.reaction == "👍"
        secret = mx.bob.say(room, "my card number is 4111")
        await mx.until(lambda: has("my card number is 4111"), "the second message")
        assert [h for h in await mx.store.search("4111")]
        mx.bob.redact(room, secret)

        async def gone() -> bool:
            return secret not in [m.remote_id for m in await mx.messages(room)]

        await mx.until(gone, "the redaction")
    assert await mx.store.search("4111") == [], "a redacted body leaves the search index"
    conversation = await mx.store.get_conversation(mx.account_id, room)
    assert conversation is not None and "4111" not in conversation.snippet


async def test_an_edit_by_anyone_but_the_sender_changes_nothing(mx: MatrixRig) -> None:
    """Matrix lets any member send ``m.replace`` for any event; only the sender's counts."""
    room = mx.dm()
    me = Peer(mx.server, mx.me.access_token, mx.me.user_id)
    mine = me.say(room, "meet at noon")
    theirs = mx.bob.say(room, "ok")
    await mx.engine.run_once()
    mx.bob.edit(room, mine, "meet at midnight")  # bob rewrites our message: ignored
    mx.bob.edit(room, theirs, "ok, noon it is")  # bob's own message: applied
    # In one sync with its original too: a new message of ours and bob's edit of it.
    later = me.say(room, "bring the cake")
    mx.bob.edit(room, later, "bring nothing")
    await mx.engine.run_once()
    stored = await mx.messages(room)
    assert [(m.remote_id, m.text) for m in stored] == [
        (mine, "meet at noon"),
        (theirs, "ok, noon it is"),
        (later, "bring the cake"),
    ]
    assert [h for h in await mx.store.search("midnight")] == []
