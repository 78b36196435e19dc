"""A Messenger reaction is signed with the person's Messenger name, never an Instagram-style
handle (item 20: a merged timeline showed a Messenger reaction under the person's Instagram
handle)."""

from __future__ import annotations

from pathlib import Path

from tests.simrig import frozen, sim_runtime
from tests.ui_conversation.conftest import Rig, open_screen, settle
from tui.domain import MessageKind


async def test_messenger_reaction_shows_the_messenger_name(tmp_path: Path) -> None:
    sim = frozen(7)
    inbox = sim.world.inboxes["demo-page"]
    thread = next(c for c in inbox.conversations if any(not m.from_customer for m in c.messages))
    person = thread.customer
    assert person.username and person.username != person.name
    sim.react("demo-page", person.id, "👍")
    rig = await sim_runtime(tmp_path, sim, kind=Rig, synced=True)
    try:
        stored = await rig.runtime.store.messages_page("demo-page", thread.id, None, 500)
        reactions = [m for m in stored if m.kind is MessageKind.REACTION]
        assert reactions, "the reaction was synced"
        assert [m.sender_name for m in reactions] != [person.username], reactions
        async with rig.app().run_test(size=(120, 40)) as pilot:
            screen = await open_screen(
                pilot, rig.screen(account_id="demo-page", conversation_id=thread.id)
            )
            await settle(pilot, lambda: "reacted 👍" in screen.history.all_text())
            text = screen.history.all_text()
            assert person.username not in text, text
            lines = text.splitlines()
            at = next(i for i, line in enumerate(lines) if "reacted 👍" in line)
            signed = next(line for line in reversed(lines[:at]) if "●" in line)
            assert person.name in signed, signed
    finally:
        await rig.close()
