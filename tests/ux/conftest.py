"""The first-hour findings (issue 12) use the inbox rig: a real runtime on the simulator."""

from __future__ import annotations

from tests.ui_inbox.conftest import Rig, build_rig, rig

__all__ = ["Rig", "build_rig", "rig"]
