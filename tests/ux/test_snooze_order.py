"""The snooze menu lists its choices soonest first (item 18)."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.modals.triage_modals import snooze_choices


def test_snooze_menu_is_in_time_order_just_before_six() -> None:
    five_past_five = datetime(2026, 11, 24, 17, 1, tzinfo=UTC)
    choices = snooze_choices(five_past_five)
    labels = [label for label, _ in choices]
    times = [when for _, when in choices]
    assert times == sorted(times)
    assert labels[:2] == ["This evening", "1 hour"]
