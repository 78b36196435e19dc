"""Merged timelines, long histories paged in, hostile text, and the way in from the inbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rich.segment import Segment
from textual.widgets import Static

from tests.ui_conversation.conftest import Rig, open_screen, settle
from tui.domain import Attachment, Conversation, InboxMessage, Platform, WindowState
from tui.messages import OpenConversation
from tui.screens.conversation import ConversationScreen
from tui.widgets.history import History


def meter(screen: ConversationScreen) -> str:
    return str(screen.query_one("#composer-meter", Static).render())


async def linked_person(rig: Rig) -> tuple[int, Conversation, Conversation]:
    messenger = await rig.find("messenger", WindowState.OPEN)
    instagram = await rig.find("instagram", WindowState.HUMAN_AGENT, account_id="demo-ig")
    person = await rig.runtime.store.link_people(
        (messenger.account_id, messenger.remote_id), (instagram.account_id, instagram.remote_id)
    )
    return person, messenger, instagram


async def test_a_person_timeline_merges_platforms_and_replies_where_they_last_wrote(
    rig: Rig,
) -> None:
    person, messenger, instagram = await linked_person(rig)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(person_id=person))
        history = screen.history
        pages = [
            *await rig.runtime.store.messages_page(
                messenger.account_id, messenger.remote_id, None, 100
            ),
            *await rig.runtime.store.messages_page(
                instagram.account_id, instagram.remote_id, None, 100
            ),
        ]
        headers = [line for line in history.all_text().splitlines() if "Nov" in line]
        assert len(headers) == len(pages)
        assert any("Messenger" in line for line in headers)
        assert any("Instagram" in line for line in headers)
        title = str(screen.query_one("#conversation-title", Static).render())
        assert "Messenger demo-page" in title and "Instagram demo-ig" in title

        # The customer last wrote on Messenger (minutes ago; Instagram was a day ago).
        assert target_key(screen) == key(messenger)
        assert "to Messenger demo-page" in meter(screen)
        assert "reply window open" in meter(screen)

        await pilot.press("ctrl+o")
        assert target_key(screen) == key(instagram)
        assert "to Instagram demo-ig" in meter(screen)
        assert "HUMAN_AGENT tag possible" in meter(screen)
        await pilot.press("ctrl+t")
        screen.composer.area.insert("Replying on Instagram")
        await pilot.press("enter")
        await pilot.pause()
        items = [i for i in await rig.runtime.store.outbox_items() if i.action == "text"]
        assert [(i.account_id, i.conversation_id, i.tag) for i in items] == [
            (instagram.account_id, instagram.remote_id, "HUMAN_AGENT")
        ]
        assert items[0].recipient_id == instagram.customer.platform_user_id

        await pilot.press("ctrl+o")
        assert target_key(screen) == key(messenger)
        assert not screen.human_agent


async def test_the_reply_target_follows_a_new_message_unless_the_user_picked(rig: Rig) -> None:
    person, messenger, instagram = await linked_person(rig)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(person_id=person))
        assert target_key(screen) == key(messenger)
        rig.sim.clock.advance(60)
        rig.sim.inbound(instagram.account_id, instagram.customer.platform_user_id, "over here")
        await rig.sync()
        await settle(pilot, lambda: "over here" in screen.history.all_text())
        await settle(pilot, lambda: target_key(screen) == key(instagram))
        assert "reply window open" in meter(screen)
        lines = [line for line in screen.history.all_text().splitlines() if line.strip()]
        assert "Instagram" in lines[-2] and lines[-1].strip() == "over here"


async def test_older_pages_load_as_the_user_scrolls_up(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    start = rig.now() - timedelta(days=2)
    messages = [
        InboxMessage(
            account_id=conversation.account_id,
            remote_id=f"m_old_{n:04d}",
            conversation_id=conversation.remote_id,
            sender_id=conversation.customer.platform_user_id,
            created_at=start + timedelta(minutes=n),
            text=f"old message number {n}",
        )
        for n in range(180)
    ]
    await rig.runtime.store.apply_batch(
        conversation.account_id, platform=Platform.MESSENGER, messages=messages
    )
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        history = screen.history
        assert history.pages_loaded == 1
        assert "old message number 0\n" not in history.all_text()
        history.focus()
        oldest_before = history.entries[0]
        await pilot.press("home")
        await settle(pilot, lambda: history.pages_loaded == 2 and not history.loading)
        # The message that was at the top before the load is still the one on screen.
        top = history.line_text(history.scroll_offset.y)
        assert oldest_before.message is not None
        assert "Nov" in top and history.line_text(history.scroll_offset.y + 1).strip() == (
            oldest_before.message.text
        )
        for _ in range(6):
            await pilot.press("home")
            await settle(pilot, lambda: not history.loading)
        assert history.exhausted
        assert "old message number 0\n" in history.all_text() + "\n"
        await pilot.press("end")
        assert history.scroll_offset.y == history.max_scroll_y
        await pilot.press("pageup", "k", "up")
        moved = history.scroll_offset.y
        assert moved < history.max_scroll_y
        await pilot.press("pagedown", "j", "down", "G")
        assert history.scroll_offset.y == history.max_scroll_y
        await pilot.press("g")
        assert history.scroll_offset.y == 0


HOSTILE_NAME = "\x1b[2J\x1b]0;owned\x07[red]Mallory[/red]\u202eevil"
HOSTILE_TEXT = (
    "[bold]free[/bold] [@click=app.quit]coupon[/] \x1b]52;c;cm0gLXJm\x07 "
    "\u202eexe.txt \x1b[31mred\x9b2J"
)


async def test_hostile_names_texts_and_links_render_literally(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    at = rig.now() - timedelta(seconds=30)
    base = InboxMessage(
        account_id=conversation.account_id,
        remote_id="m_hostile_1",
        conversation_id=conversation.remote_id,
        sender_id=conversation.customer.platform_user_id,
        sender_name=HOSTILE_NAME,
        created_at=at,
        text=HOSTILE_TEXT,
    )
    hostile = [
        base,
        replace(
            base,
            remote_id="m_hostile_2",
            created_at=at + timedelta(seconds=1),
            text="",
            attachments=(
                Attachment("image", url="javascript:alert(document.cookie)"),
                Attachment("file", url="file:///etc/passwd"),
                Attachment("image", url="http://0x7f.1/admin"),
                Attachment("image", url="https://cdn.example.com/ok.jpg"),
            ),
        ),
        replace(
            base,
            remote_id="m_hostile_3",
            created_at=at + timedelta(seconds=2),
            text="A" * 1_000_000,
        ),
    ]
    result = await rig.runtime.store.apply_batch(
        conversation.account_id, platform=Platform.MESSENGER, messages=hostile
    )
    assert not result.quarantined
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        text = screen.history.all_text()
        assert "⟨ESC⟩[2J⟨ESC⟩]0;owned⟨BEL⟩[red]Mallory[/red]⟨RLO⟩evil" in text
        assert "[bold]free[/bold] [@click=app.quit]coupon[/]" in text
        assert "⟨ESC⟩]52;c;cm0gLXJm⟨BEL⟩" in text and "⟨U+009B⟩2J" in text
        assert "[image] [link refused: javascript: links are never shown]" in text
        assert "[file] [link refused: file: links are never shown]" in text
        assert "[image] [link refused: loopback address]" in text
        assert "[image] https://cdn.example.com/ok.jpg" in text
        assert "document.cookie" not in text and "/etc/passwd" not in text
        assert "…⟨+996000 chars⟩" in text
        assert pilot.app.screen is screen  # the [@click=app.quit] did nothing

        # What reaches the terminal: no raw control characters, no OSC-8 hyperlinks.
        history = screen.history
        for top in range(0, history.virtual_size.height, history.size.height):
            history.scroll_to(y=top, animate=False, immediate=True)
            for y in range(history.size.height):
                for segment in history.render_line(y):
                    check_segment(segment)


def check_segment(segment: Segment) -> None:
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in segment.text)
    assert "\u202e" not in segment.text
    assert segment.style is None or segment.style.link is None


async def test_the_inbox_opens_a_conversation_and_escape_returns(rig: Rig) -> None:
    conversation = await rig.find("instagram", WindowState.OPEN)
    app = rig.app(runtime=rig.runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.main_screen.post_message(OpenConversation(*key(conversation)))
        await settle(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await settle(pilot, lambda: screen.ready)
        assert conversation.customer.display_name in screen.query_one(History).all_text()
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is app.main_screen)


async def test_a_conversation_that_is_not_stored_says_so(rig: Rig) -> None:
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = rig.screen(account_id="demo-page", conversation_id="t_missing")
        await pilot.app.push_screen(screen)
        title = screen.query_one("#conversation-title", Static)
        await settle(pilot, lambda: "not stored" in str(title.render()))
        assert screen.composer.area.read_only


async def test_every_key_has_an_id_for_help_and_the_keymap(rig: Rig) -> None:
    app = rig.app(keymap={"conversation.retry": "f5"})
    async with app.run_test(size=(120, 40)):
        known = app.known_binding_ids()
        assert app.keymap_problems == []
    expected = {
        "conversation.back",
        "conversation.human-agent",
        "conversation.retry",
        "conversation.target",
        "retry.yes",
        "retry.no",
        "history.up",
        "history.down",
        "history.page-up",
        "history.page-down",
        "history.oldest",
        "history.newest",
    }
    assert expected <= known


def target_key(screen: ConversationScreen) -> tuple[str, str] | None:
    return None if screen.target is None else key(screen.target)


def key(conversation: Conversation) -> tuple[str, str]:
    return (conversation.account_id, conversation.remote_id)


def ids(conversation: Conversation) -> dict[str, str]:
    return {"account_id": conversation.account_id, "conversation_id": conversation.remote_id}
