"""A stranger whose name passes for a VIP's or a contact's (same TR39 skeleton) is marked."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import timedelta

from tests.pilot import wait_until
from tui.screens.conversation import ConversationScreen
from tui.services.local import LocalService

from .conftest import Rig, inbox, ready, visible_text

SIZE = (120, 40)


def _make_vip(rig: Rig, *ids: str) -> None:
    prefs = rig.runtime.prefs
    rig.runtime.prefs = dataclasses.replace(
        prefs, notifications=dataclasses.replace(prefs.notifications, vip=ids)
    )


async def test_look_alikes_of_a_vip_are_marked_and_the_vip_is_not(rig: Rig) -> None:
    # The VIP is chosen by id: Ana Souza on the Messenger account (rig adds "cust-t_ana").
    _make_vip(rig, "cust-t_ana")
    # A Cyrillic А; the same plain name under other ids on the Instagram account.
    await rig.add(rig.fb, "t_cyr", "Аna Souza", "it is me, Ana", age=timedelta(hours=1))
    await rig.add(rig.ig, "ig_rn", "Ana Souza", "new account", age=timedelta(hours=2))
    await rig.add(rig.fb, "t_other", "Bruno Lima", "hello", age=timedelta(hours=3))
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        lines = [line for line in visible_text(pilot) if "Souza" in line or "Lima" in line]
        by_text = {
            key: next(line for line in lines if text in line)
            for key, text in [
                ("cyr", "it is me"),
                ("ig", "Hi from Instagram"),
                ("new", "new account"),
                ("vip", "sourdough"),
                ("other", "hello"),
            ]
        }
        assert "≈Аna Souza" in by_text["cyr"], by_text
        assert "≈Ana Souza" in by_text["ig"], by_text
        assert "≈Ana Souza" in by_text["new"], by_text
        assert "≈" not in by_text["vip"], by_text
        assert "≈" not in by_text["other"], by_text

        screen = ConversationScreen(
            LocalService.of(rig.runtime), account_id=rig.ig, conversation_id="ig_rn"
        )
        await pilot.app.push_screen(screen)
        await wait_until(pilot, screen.lookalikes_checked.is_set)
        title = str(screen.query_one("#conversation-title").render())
        assert "≈ looks like Ana Souza" in title, title
        real = ConversationScreen(
            LocalService.of(rig.runtime), account_id=rig.fb, conversation_id="t_ana"
        )
        await pilot.app.push_screen(real)
        await wait_until(pilot, real.lookalikes_checked.is_set)
        assert "looks like" not in str(real.query_one("#conversation-title").render())


async def test_a_name_that_passes_for_someone_the_account_answered_is_marked(rig: Rig) -> None:
    # No VIP: "Marta Reis" is a contact because the account answered her.
    await rig.add(
        rig.fb, "t_marta", "Marta Reis", "we open at nine", from_us=True, age=timedelta(hours=1)
    )
    await rig.add(rig.ig, "ig_rnarta", "Rnarta Reis", "pay here", age=timedelta(hours=2))
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        lines = visible_text(pilot)
        fake = next(line for line in lines if "Rnarta" in line)
        real = next(line for line in lines if "Marta Reis" in line)
        assert "≈Rnarta Reis" in fake
        assert "≈" not in real


async def test_search_results_mark_a_look_alike_of_a_vip(rig: Rig) -> None:
    from tests.ui_inbox.test_search_screen import again, lines, search

    _make_vip(rig, "cust-t_ana")
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "Instagram")
        (fake,) = [line for line in lines(screen) if "Hi from Instagram" in line]
        assert "≈Ana Souza" in fake, fake
        await again(pilot, screen, "ship sourdough")
        (real,) = [line for line in lines(screen) if "Do you ship sourdough" in line]
        assert "Ana Souza" in real and "≈" not in real, real


async def add_impostor(rig: Rig) -> None:
    """Marta Reis, a contact (the account answered her), and "Rnarta Reis" passing for her."""
    await rig.add(
        rig.fb, "t_marta", "Marta Reis", "we open at nine", from_us=True, age=timedelta(hours=1)
    )
    await rig.add(rig.ig, "ig_rnarta", "Rnarta Reis", "pay here", age=timedelta(hours=2))


def hold_known_names(rig: Rig) -> tuple[asyncio.Event, asyncio.Event]:
    """The store's known names come only once released, like a slow read on a large store:
    (asked, release)."""
    store = rig.runtime.store
    read_names = store.known_names
    names_asked = asyncio.Event()
    names_may_come = asyncio.Event()

    async def slow_known_names(vip: Sequence[str] = ()) -> list[tuple[str, str, int | None]]:
        names_asked.set()
        await names_may_come.wait()
        return await read_names(vip)

    store.known_names = slow_known_names  # type: ignore[method-assign]
    return names_asked, names_may_come


async def test_the_rows_do_not_wait_for_the_known_names(rig: Rig) -> None:
    """On a large store the names take seconds to read and fold: rows come first."""
    await add_impostor(rig)
    names_asked, names_may_come = hold_known_names(rig)
    async with rig.app().run_test(size=SIZE) as pilot:

        def impostor_line() -> str:
            return next((line for line in visible_text(pilot) if "Rnarta" in line), "")

        await wait_until(pilot, lambda: bool(impostor_line()) and names_asked.is_set())
        assert "≈" not in impostor_line()  # drawn before the names are in
        pane = inbox(pilot)
        assert not pane.known_read.is_set()
        names_may_come.set()
        await wait_until(pilot, pane.known_read.is_set)
        await wait_until(pilot, lambda: "≈Rnarta Reis" in impostor_line())


async def test_a_conversation_does_not_wait_for_the_known_names(rig: Rig) -> None:
    """Its messages are drawn first; the ≈ in the title follows once the names are folded."""
    await add_impostor(rig)
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        names_asked, names_may_come = hold_known_names(rig)
        screen = ConversationScreen(
            LocalService.of(rig.runtime), account_id=rig.ig, conversation_id="ig_rnarta"
        )
        await pilot.app.push_screen(screen)
        await wait_until(pilot, lambda: screen.ready and names_asked.is_set())
        title = screen.query_one("#conversation-title")
        assert "Rnarta Reis" in str(title.render())
        assert "looks like" not in str(title.render())  # the names are not in yet
        assert "pay here" in screen.history.all_text()  # the messages did not wait
        names_may_come.set()
        await wait_until(pilot, screen.lookalikes_checked.is_set)
        assert "≈ looks like Marta Reis" in str(title.render())
