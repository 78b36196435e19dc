"""The conversation screen driven through its keys, against the simulator and a real store."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui_conversation.conftest import Rig, open_screen, settle
from tui.domain import OutboxState, WindowState
from tui.modals.confirm import ConfirmRetry
from tui.screens.conversation import ConversationScreen
from tui.widgets.composer import ComposerArea


def meter(screen: ConversationScreen) -> str:
    return str(screen.query_one("#composer-meter", Static).render())


async def test_opens_at_the_bottom_with_the_newest_message(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    newest = (await rig.runtime.store.messages_page(*key(conversation), None, 1))[0]
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        history = screen.history
        assert history.virtual_size.height > 0
        bottom = history.line_text(history.virtual_size.height - 2)
        assert newest.text and newest.text.startswith(bottom.strip()[:20])
        assert history.scroll_offset.y == history.max_scroll_y
        assert isinstance(pilot.app.focused, ComposerArea)
        text = history.all_text()
        assert "Messenger" in text
        assert conversation.customer.display_name in text


async def test_escape_goes_back(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is not screen
        assert not isinstance(pilot.app.screen, ConversationScreen)


async def test_enter_sends_and_the_reply_goes_pending_then_sent(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await write(pilot, screen, "See you at nine")
        assert "15/2000" in meter(screen)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.composer.text == ""
        assert "See you at nine" in screen.history.all_text()
        assert "pending…" in screen.history.all_text()
        assert rig.sim.sent == []

        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "pending…" not in screen.history.all_text())
        text = screen.history.all_text()
        assert text.count("See you at nine") == 1
        assert header_of(text, "See you at nine").endswith("· sent")
        assert [s["text"] for s in rig.sim.sent] == ["See you at nine"]
        assert rig.sim.sent[0]["recipient_id"] == conversation.customer.platform_user_id


async def test_modified_enter_keys_insert_newlines_and_do_not_send(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press("a", "ctrl+j", "b", "alt+enter", "c", "shift+enter", "d")
        assert screen.composer.text == "a\nb\nc\nd"
        assert await queued_texts(rig) == []
        await pilot.press("enter")
        await pilot.pause()
        assert await queued_texts(rig) == ["a\nb\nc\nd"]


async def test_over_the_limit_the_meter_turns_red_and_nothing_is_sent(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        screen.composer.area.load_text("x" * 2000)
        await pilot.pause()
        assert "2000/2000 too long" in meter(screen)
        await pilot.press("enter")
        await pilot.pause()
        assert await queued_texts(rig) == []
        assert screen.composer.text == "x" * 2000


async def test_instagram_counts_bytes(rig: Rig) -> None:
    conversation = await rig.find("instagram", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press(*"olá")
        assert "4/1000 bytes" in meter(screen)
        screen.composer.area.load_text("é" * 501)
        await pilot.pause()
        assert "1002/1000 bytes too long" in meter(screen)


async def test_a_closed_window_disables_sending_with_the_reason(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.CLOSED)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert "sending disabled" in meter(screen)
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        assert await queued_texts(rig) == []


async def test_human_agent_is_offered_once_the_day_is_over(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.HUMAN_AGENT)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert "HUMAN_AGENT tag possible" in meter(screen)
        assert "off (ctrl+t)" in meter(screen)
        await write(pilot, screen, "Sorry for the wait")
        await pilot.press("enter")
        await pilot.pause()
        assert await queued_texts(rig) == []

        await pilot.press("ctrl+t")
        assert ": ON" in meter(screen)
        await pilot.press("enter")
        await pilot.pause()
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "pending…" not in screen.history.all_text())
        assert [(s["text"], s["tag"]) for s in rig.sim.sent] == [
            ("Sorry for the wait", "HUMAN_AGENT")
        ]
        await pilot.press("ctrl+t")
        assert "off (ctrl+t)" in meter(screen)


async def test_human_agent_toggle_is_not_offered_in_an_open_window(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press("ctrl+t")
        assert not screen.human_agent
        assert "HUMAN_AGENT" not in meter(screen)


async def test_a_refused_send_shows_the_platform_reason_and_retries_after_confirming(
    rig: Rig,
) -> None:
    conversation = await rig.find("messenger", WindowState.CLOSING)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await write(pilot, screen, "Still open?")
        await pilot.press("enter")
        await pilot.pause()
        # The window closes while the reply waits in the outbox: the platform refuses it.
        rig.sim.clock.advance(2 * 3600)
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "failed:" in screen.history.all_text())
        assert "outside the 24-hour reply window" in screen.history.all_text()
        assert rig.sim.sent == []

        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ConfirmRetry))
        await pilot.press("n")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert "failed:" in screen.history.all_text()

        # The customer writes again, which reopens the window; now the retry goes through.
        rig.sim.inbound(conversation.account_id, conversation.customer.platform_user_id, "yes!")
        await rig.sync()
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ConfirmRetry))
        await pilot.press("y")
        await settle(pilot, lambda: "retrying…" in screen.history.all_text())
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "retrying…" not in screen.history.all_text())
        assert [s["text"] for s in rig.sim.sent] == ["Still open?"]
        assert "failed:" not in screen.history.all_text()


async def test_retry_with_nothing_failed_changes_nothing(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert pilot.app.screen is screen


async def test_delivered_then_500_ends_sent_exactly_once(rig: Rig) -> None:
    conversation = await rig.find("instagram", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        rig.sim.arm_outcome_faults(1)
        await write(pilot, screen, "Your cake is ready")
        await pilot.press("enter")
        await pilot.pause()
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "unknown" in screen.history.all_text())
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "unknown" not in screen.history.all_text())
        await rig.sync()
        await pilot.pause()
        assert [s["text"] for s in rig.sim.sent] == ["Your cake is ready"]
        assert screen.history.all_text().count("Your cake is ready") == 1
        items = [i for i in await rig.runtime.store.outbox_items() if i.action == "text"]
        assert [i.state for i in items] == [OutboxState.SENT]


async def test_a_new_message_appears_live_at_the_bottom(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    other = await rig.find("messenger", WindowState.CLOSED)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        rig.sim.inbound(
            conversation.account_id, conversation.customer.platform_user_id, "Are you open now?"
        )
        rig.sim.inbound(other.account_id, other.customer.platform_user_id, "Not for this view")
        await rig.sync()
        history = screen.history
        await settle(pilot, lambda: "Are you open now?" in history.all_text())
        lines = [line for line in history.all_text().splitlines() if line.strip()]
        assert lines[-1].strip() == "Are you open now?"
        assert "Not for this view" not in history.all_text()
        assert history.scroll_offset.y == history.max_scroll_y


async def test_a_closed_window_reopens_when_the_customer_writes(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.CLOSED)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert "sending disabled" in meter(screen)
        rig.sim.inbound(conversation.account_id, conversation.customer.platform_user_id, "hi!")
        await rig.sync()
        await settle(pilot, lambda: "reply window open" in meter(screen))


async def test_typing_indicators_are_sent_at_most_every_five_seconds(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)

    async def typing_count() -> int:
        return len([i for i in await rig.runtime.store.outbox_items() if i.action == "typing_on"])

    async with rig.app().run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press(*"hello")
        await pilot.pause()
        assert await typing_count() == 1
        rig.sim.clock.advance(6)
        await pilot.press(*" there")
        await pilot.pause()
        assert await typing_count() == 2


async def test_typing_indicators_respect_the_privacy_toggle(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    rig.runtime.prefs_file.set_privacy(conversation.account_id, "send_typing", False)
    rig.runtime.reload_prefs()
    async with rig.app().run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press(*"hello")
        await pilot.pause()
        items = await rig.runtime.store.outbox_items()
        assert [i for i in items if i.action == "typing_on"] == []


async def write(pilot: Pilot[None], screen: ConversationScreen, text: str) -> None:
    """Type ``text`` into the composer in one go (key by key is for the keys under test)."""
    screen.composer.area.insert(text)
    await pilot.pause()


async def queued_texts(rig: Rig) -> list[str]:
    return [i.text for i in await rig.runtime.store.outbox_items() if i.action == "text"]


def header_of(text: str, body: str) -> str:
    """The header line (sender, time, platform, state) above the first line holding ``body``."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if body in line)
    return lines[index - 1]


def key(conversation: object) -> tuple[str, str]:
    return (conversation.account_id, conversation.remote_id)  # type: ignore[attr-defined]


def ids(conversation: object) -> dict[str, str]:
    account_id, remote_id = key(conversation)
    return {"account_id": account_id, "conversation_id": remote_id}


async def test_a_message_longer_than_shown_can_be_read_in_full(rig: Rig) -> None:
    from textual.widgets import TextArea

    from tui.screens.full_text import FullTextScreen

    conversation = await rig.find("messenger", WindowState.OPEN)
    long_text = "".join(f"line {n:05d} of a long order \x1b[2J\n" for n in range(400)) + "THE END"
    rig.sim.inbound(conversation.account_id, conversation.customer.platform_user_id, long_text)
    await rig.sync()
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(
            pilot,
            rig.screen(account_id=conversation.account_id, conversation_id=conversation.remote_id),
        )
        screen.history.focus()
        await pilot.press("f")
        await settle(pilot, lambda: isinstance(pilot.app.screen, FullTextScreen))
        shown = pilot.app.screen.query_one(TextArea).text
        assert "THE END" in shown and "line 00399" in shown
        assert "\x1b" not in shown and "⟨ESC⟩[2J" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: pilot.app.screen is screen)
