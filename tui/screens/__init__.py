"""Screens: the dashboard and its modals."""

from __future__ import annotations

from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen, StatusSource

__all__ = ["HelpScreen", "MainScreen", "StatusSource"]
