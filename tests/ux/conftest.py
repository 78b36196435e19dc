"""The first-hour findings (issue 12) use the inbox rig: a real runtime on the simulator;
alerts use the notification rig (live batches through the real rules)."""

from __future__ import annotations

from tests.notify.conftest import UiRig, build_ui_runtime, ui
from tests.ui_inbox.conftest import Rig, build_rig, rig

__all__ = ["Rig", "UiRig", "build_rig", "build_ui_runtime", "rig", "ui"]
