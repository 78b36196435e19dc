"""The dashboard's recent log (ctrl+l) keeps recording after the root's handlers were
replaced: found when the suite ran in random order (issue 17 item 11)."""

from __future__ import annotations

import logging

from tui.services.recent_log import install_recent_log


def test_the_recent_log_is_attached_again_after_a_logging_setup_replaced_it() -> None:
    recent = install_recent_log()
    root = logging.getLogger()
    # What headless.setup_logging (root.handlers[:] = [...]) or a harness does.
    root.handlers[:] = [h for h in root.handlers if h is not recent]
    root.setLevel(logging.WARNING)
    again = install_recent_log()
    assert again is recent
    logging.getLogger("tui.test").info("after the reset")
    assert any("after the reset" in line for line in recent.lines())
