"""Replying to one message from the conversation screen, seen by the other user on Synapse."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.matrix.conftest import unique
from tests.matrixpeer import Peer
from tests.pilot import wait_until
from tests.synapse import SynapseServer
from tests.ui_conversation.conftest import open_screen
from tui.app import DashboardApp
from tui.screens.conversation import ConversationScreen
from tui.services.local import LocalService
from tui.services.runtime import open_runtime


def reply_line(screen: ConversationScreen) -> str:
    line = screen.query_one("#composer-reply", Static)
    return str(line.render()) if line.display else ""


async def test_a_reply_to_a_picked_message_reaches_the_other_user_as_a_reply(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    me = synapse.register(unique("me"))
    bob = Peer.of(synapse, synapse.register(unique("bob")))
    room = bob.create_room(invite=(me.user_id,))
    Peer(synapse, me.access_token, me.user_id).join(room)
    asked = bob.say(room, "are you coming [bold]tonight[/bold]? \x1b[31m")
    bob.say(room, "also bring the cake")
    config = tmp_path / "config.toml"
    config.write_text(
        "[[accounts]]\n"
        'id = "mx"\n'
        'platform = "matrix"\n'
        f'user_id = "{me.user_id}"\n'
        f'homeserver = "{synapse.url}"\n'
        f'device_id = "{me.device_id}"\n'
        'token_env = "LINKDECK_TEST_MATRIX_TOKEN"\n'
    )
    runtime = await open_runtime(
        config, tmp_path / "data", environ={"LINKDECK_TEST_MATRIX_TOKEN": me.access_token}
    )
    try:
        await runtime.engine.run_once()
        app = DashboardApp(user_themes_dir=tmp_path / "themes")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = ConversationScreen(
                LocalService.of(runtime), account_id="mx", conversation_id=room, compose=False
            )
            await open_screen(pilot, screen)
            await pilot.press("greater_than_sign")  # the lowest message on screen
            assert reply_line(screen).endswith(": also bring the cake  (esc: cancel)")
            await pilot.press("escape")  # forgets the pick, stays in the conversation
            assert reply_line(screen) == "" and app.screen is screen
            await pilot.press("greater_than_sign", "greater_than_sign")  # one older
            line = reply_line(screen)
            assert line.startswith("Replying to ")
            assert ": are you coming [bold]tonight[/bold]? " in line, "shown, not markup"
            assert "\x1b" not in line
            await pilot.press("r", *"yes!", "enter")
            await wait_until(pilot, lambda: reply_line(screen) == "")
            await runtime.outbox.drain()
        await runtime.engine.run_once()
        [echo] = [m for m in await runtime.store.messages_page("mx", room, None, 10) if m.from_us]
        assert (echo.text, echo.reply_to) == ("yes!", asked), "stored as a reply too"
    finally:
        await runtime.close()
    [sent] = [e for e in bob.messages(room, 5) if e["content"].get("body") == "yes!"]
    assert sent["sender"] == me.user_id
    assert sent["content"]["m.relates_to"] == {"m.in_reply_to": {"event_id": asked}}
