"""Fixtures for the dashboard shell: an app factory with no real config dir."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tui.app import DashboardApp


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., DashboardApp]:
    """Build a DashboardApp with no real config dir; keyword arguments override."""

    def build(**overrides: Any) -> DashboardApp:
        options: dict[str, Any] = {"user_themes_dir": tmp_path / "themes"}
        options.update(overrides)
        keymap: Mapping[str, str] = options.pop("keymap", {})
        return DashboardApp(keymap=keymap, **options)

    return build
