"""What a person sees on the Filters and Privacy tabs (fixed clock, no live traffic)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pilot import wait_until
from tests.simrig import built_apart
from tui.app import DashboardApp
from tui.services.runtime import Runtime

from .conftest import build_ui_runtime


@pytest.fixture
def frozen_app(tmp_path: Path) -> Iterator[DashboardApp]:
    # snap_compare runs the app in its own event loop, so the runtime is built in another.
    _sim, runtime = built_apart(build_ui_runtime(tmp_path), lambda built: built[1])
    app = DashboardApp(runtime=runtime, user_themes_dir=tmp_path / "themes")
    yield app
    asyncio.run(_close(runtime))


async def _close(runtime: Runtime) -> None:
    await runtime.close()


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    table = pilot.app.query_one("#recent-table")
    await wait_until(pilot, lambda: bool(table.row_count))
    await pilot.pause()


def test_filters_tab(snap_compare: Any, frozen_app: DashboardApp) -> None:
    assert snap_compare(frozen_app, terminal_size=(120, 40), press=["3"], run_before=settle)


def test_privacy_tab(snap_compare: Any, frozen_app: DashboardApp) -> None:
    assert snap_compare(frozen_app, terminal_size=(120, 40), press=["4"], run_before=settle)
