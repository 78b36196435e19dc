"""What a person sees in the inbox: each view, wide and narrow, dark and light."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.pilot import wait_until
from tests.simrig import built_apart
from tests.ui_inbox.conftest import Rig, build_rig, ready
from tui.domain.models import TriageStatus
from tui.modals.search import SearchScreen

DARK, LIGHT = "linkdeck-dark", "linkdeck-light"
WIDE, NARROW = (120, 40), (80, 24)


@pytest.fixture
def snap_rig(tmp_path: Path) -> Iterator[Rig]:
    """The rig built in its own loop: snap_compare runs the app in another one."""

    rig = built_apart(build_rig(tmp_path), lambda built: built.runtime)

    async def triage() -> None:
        store = rig.runtime.store
        await store.set_status(rig.fb, "t_ana", TriageStatus.DONE)
        await store.set_status(
            rig.ig, "ig_ana", TriageStatus.SNOOZED, snoozed_until=rig.now + timedelta(days=1)
        )
        await store.set_flag(rig.ig, "ig_huge", pinned=True)
        await store.set_labels(rig.ig, "ig_huge", ["vip", "order"])

    asyncio.run(triage())
    yield rig
    asyncio.run(rig.runtime.close())


def pressing(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the list, press view keys one by one (each reloads), then settle."""

    async def run(pilot: Pilot[Any]) -> None:
        pane = await ready(pilot)
        for key in keys:
            before = pane.refreshes
            await pilot.press(key)
            await wait_until(pilot, lambda b=before: pane.refreshes > b)  # type: ignore[misc]
        await ready(pilot, pane.refreshes)
        await pilot.pause()

    return run


VIEWS = [
    # Every view at both sizes in both themes.
    (keys, theme, size)
    for keys in [(), ("U",), ("n",), ("z",), ("D",), ("F",), ("I",)]
    for theme in (DARK, LIGHT)
    for size in (WIDE, NARROW)
]


@pytest.mark.parametrize(
    ("keys", "theme", "size"),
    VIEWS,
    ids=[f"{''.join(k) or 'all'}-{t[9:]}-{s[0]}x{s[1]}" for k, t, s in VIEWS],
)
def test_inbox_view(
    snap_compare: Any, snap_rig: Rig, keys: tuple[str, ...], theme: str, size: tuple[int, int]
) -> None:
    app = snap_rig.app(theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=pressing(*keys))


def test_grouped_by_person(snap_compare: Any, snap_rig: Rig) -> None:
    async def link() -> None:
        await snap_rig.runtime.store.set_status(snap_rig.fb, "t_ana", TriageStatus.OPEN)
        await snap_rig.runtime.store.set_status(snap_rig.ig, "ig_ana", TriageStatus.OPEN)
        await snap_rig.runtime.store.link_people((snap_rig.fb, "t_ana"), (snap_rig.ig, "ig_ana"))

    asyncio.run(link())
    app = snap_rig.app()
    assert snap_compare(app, terminal_size=WIDE, run_before=pressing("P"))


@pytest.mark.parametrize(("theme", "size"), [(DARK, WIDE), (LIGHT, NARROW)], ids=["dark", "light"])
def test_search_results(
    snap_compare: Any, snap_rig: Rig, theme: str, size: tuple[int, int]
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        box = screen.query_one(Input)
        box.cursor_blink = False
        box.value = "sourdough"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.searches > 0 and screen.source.count() > 0)
        await pilot.pause()

    app = snap_rig.app(theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize(("theme", "size"), [(DARK, WIDE), (LIGHT, NARROW)], ids=["dark", "light"])
def test_a_row_with_a_draft(
    snap_compare: Any, snap_rig: Rig, theme: str, size: tuple[int, int]
) -> None:
    async def keep() -> None:
        store = snap_rig.runtime.store
        await store.save_draft(snap_rig.fb, "t_hostile", "Thanks, we will", snap_rig.now)

    asyncio.run(keep())
    app = snap_rig.app(theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=pressing())
