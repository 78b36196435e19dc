"""Search across every account: filters, highlighted matches, hostile queries and results."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from textual.widgets import Input

from tests.pilot import wait_until
from tests.ui_inbox.conftest import Rig, ready
from tui.domain import Platform
from tui.modals.search import SEARCH_HELP, SearchHitRow, SearchScreen
from tui.screens.conversation import ConversationScreen
from tui.screens.main import MainScreen
from tui.widgets.virtual_list import VirtualList

SIZE = (120, 40)


def results(screen: SearchScreen) -> list[SearchHitRow]:
    return list(screen.source.items)


def lines(screen: SearchScreen) -> list[str]:
    lst = screen.query_one("#search-results", VirtualList)
    return [lst.render_line(y).text for y in range(min(lst.row_count, 10))]


async def opened(pilot: object) -> SearchScreen:
    """Open search with /."""
    await pilot.press("slash")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))  # type: ignore[attr-defined, arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, SearchScreen)
    return screen


async def search(pilot: object, query: str) -> SearchScreen:
    """Open search with /, type ``query``, submit."""
    screen = await opened(pilot)
    done = screen.searches
    screen.query_one(Input).value = query
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: screen.searches > done)  # type: ignore[arg-type]
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def again(pilot: object, screen: SearchScreen, query: str) -> None:
    """Back to the query box with / (focus is on the results after a hit), search again."""
    if not isinstance(screen.app.focused, Input):
        await pilot.press("slash")  # type: ignore[attr-defined]
    assert isinstance(screen.app.focused, Input)
    done = screen.searches
    screen.query_one(Input).value = query
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: screen.searches > done)  # type: ignore[arg-type]


async def test_search_highlights_and_enter_opens(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "sourdough")
        hits = results(screen)
        assert hits, "the sourdough question should be found"
        ana = next(i for i, h in enumerate(hits) if h.hit.message.conversation_id == "t_ana")
        row = hits[ana].render(120)
        start = row.plain.index("sourdough")
        lit = [s for s in row.spans if s.start <= start < s.end and "reverse" in str(s.style)]
        assert lit, "the matched word is highlighted"
        status = str(screen.query_one("#search-status").render())
        assert f"{len(hits)} messages" in status
        # Enter in the box moved focus to the results; walk to Ana's hit and open it.
        assert isinstance(pilot.app.focused, VirtualList)
        await pilot.press(*["j"] * ana, "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        opened = pilot.app.screen
        assert isinstance(opened, ConversationScreen)
        assert (opened.account_id, opened.conversation_id) == (rig.fb, "t_ana")
        stored = await rig.runtime.store.get_conversation(rig.fb, "t_ana")
        assert stored is not None and stored.unread_count == 0  # opening it read it


async def test_search_filters(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "ana platform:instagram")
        assert results(screen) == []  # "ana" is a name, not in any text
        await again(pilot, screen, "from:Souza platform:instagram")
        hits = results(screen)
        assert [h.hit.message.conversation_id for h in hits] == ["ig_ana"]
        assert all(line.startswith("IG") for line in lines(screen))
        await again(pilot, screen, f"from:Souza account:{rig.fb} before:2026-11-25")
        assert [h.hit.message.conversation_id for h in results(screen)] == ["t_ana"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_typing_searches_without_enter(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await opened(pilot)
        await pilot.press(*"coupon")
        await wait_until(pilot, lambda: len(results(screen)) == 1)
        shown = lines(screen)[0]
        assert "[@click=app.quit]free" in shown and "coupon" in shown
        assert not any(ch in shown for ch in "\x1b\x07\u202e")
        assert isinstance(pilot.app.focused, Input)  # typing keeps the focus in the box


async def test_hostile_queries_never_crash(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, '"\x1b[2J [@click=app.quit] NEAR( * OR AND "unclosed')
        for query in ['"', "*", "before:9999-99-99", "from:", "a" * 4000, "\ud800 x", "NOT"]:
            await again(pilot, screen, query)
        assert pilot.app.is_running
        assert isinstance(pilot.app.screen, SearchScreen)


async def test_a_match_deep_in_a_huge_line_is_shown(rig: Rig) -> None:
    await rig.add(rig.ig, "ig_deep", "Deep", "z" * 500_000 + " needle " + "z" * 500_000)
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "needle")
        shown = lines(screen)[0]
        assert "needle" in shown and shown.count("z") < 200


def test_the_help_line_names_every_filter_the_search_understands() -> None:
    # It once left out label: and platform:matrix, which the parser had learned since.
    from tui.store.search import _FILTER

    keys = _FILTER.pattern.split("(")[2].split(")")[0].split("|")
    assert set(keys) == {"from", "platform", "account", "label", "before", "after"}
    for key in keys:
        assert f"{key}:" in SEARCH_HELP or (key == "label" and "#label" in SEARCH_HELP)
    for platform in Platform:
        assert platform.value in SEARCH_HELP
    assert len(SEARCH_HELP) <= 118  # one line of a 120-column terminal, padding included


async def test_a_search_that_fails_says_so_and_the_screen_stays(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "sourdough")
        assert results(screen)
        # The index is gone under the running dashboard (a damaged or half-restored file).
        with sqlite3.connect(rig.data_dir / "linkdeck.db") as db:
            db.execute("DROP TABLE messages_fts")
        await again(pilot, screen, "coupon")
        status = str(screen.query_one("#search-status").render())
        assert status.startswith("Search failed:") and "messages_fts" in status
        assert results(screen) == []  # the old hits are not left as if they matched
        assert isinstance(pilot.app.screen, SearchScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_a_new_search_starts_at_its_newest_hit(rig: Rig) -> None:
    """After walking down one search's hits, the next search shows its own from the top,
    the cursor on the first (newest)."""
    for n in range(60):
        await rig.add(
            rig.fb, f"t_bread{n}", f"Baker {n}", f"bread {n} loaf", age=timedelta(hours=n)
        )
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "bread")
        assert len(results(screen)) == 60
        found = screen.query_one("#search-results", VirtualList)
        await pilot.press("G")
        await wait_until(pilot, lambda: found.cursor == 59 and found.scroll_offset.y > 0)
        await again(pilot, screen, "loaf")
        await pilot.pause()
        assert found.cursor == 0 and found.scroll_offset.y == 0
        assert "bread 0 loaf" in lines(screen)[0]


async def test_a_newer_search_wins_over_an_older_one(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await opened(pilot)
        screen.run_search("sourdough", delay=0.3)  # typed, then changed before it ran
        screen.run_search("coupon", delay=0)
        await wait_until(pilot, lambda: screen.searches >= 1)
        await pilot.pause(0.5)
        assert screen.searches == 1
        assert [h.hit.message.conversation_id for h in results(screen)] == ["t_hostile"]
