"""The notifier: flood control, summaries, privacy of alert text, live settings."""

from __future__ import annotations

from tui.domain.rules import (
    NotificationRule,
    NotificationSettings,
    PrivacySettings,
    RuleAction,
    Sink,
)
from tui.services.notifier import Notifier

from .conftest import NOW, ctx, later, msg


class Settings:
    """A mutable holder, like ``runtime.prefs`` that is replaced on every change."""

    def __init__(self) -> None:
        self.current = NotificationSettings(flood_seconds=60)
        self.privacy: dict[str, PrivacySettings] = {}


def make() -> tuple[Notifier, Settings]:
    holder = Settings()
    notifier = Notifier(lambda: holder.current, lambda a: holder.privacy.get(a, PrivacySettings()))
    return notifier, holder


def test_one_alert_per_conversation_per_flood_window() -> None:
    notifier, _ = make()
    first = notifier.judge([msg("a", remote_id="m1")], [ctx()], NOW)
    again = notifier.judge([msg("b", remote_id="m2")], [ctx()], later(30))
    other = notifier.judge([msg("c", remote_id="m3", conv="t_2")], [ctx()], later(30))
    after = notifier.judge([msg("d", remote_id="m4")], [ctx()], later(61))
    assert [len(b.alerts) for b in (first, again, other, after)] == [1, 0, 1, 1]
    assert notifier.fired[("bakery", "m2")].alerts, "the decision is still recorded"


def test_many_at_once_become_one_summary() -> None:
    notifier, _ = make()
    messages = [msg(f"x{n}", remote_id=f"m{n}", conv=f"t_{n % 5}") for n in range(12)]
    batch = notifier.judge(messages, [ctx()] * 12, NOW)
    assert len(batch.alerts) == 1
    summary = batch.alerts[0]
    assert summary.body == "5 new messages in 5 conversations", "flood control applied first"
    assert summary.count == 5 and summary.message is None


def test_a_rule_change_acts_on_the_very_next_message() -> None:
    notifier, holder = make()
    holder.current = NotificationSettings(
        rules=(NotificationRule("Shh", action=RuleAction.SILENT),), flood_seconds=0
    )
    assert notifier.judge([msg(remote_id="m1")], [ctx()], NOW).alerts == []
    holder.current = NotificationSettings(
        rules=(NotificationRule("Shh", enabled=False, action=RuleAction.SILENT),),
        flood_seconds=0,
    )
    assert len(notifier.judge([msg(remote_id="m2")], [ctx()], later(1)).alerts) == 1


def test_alert_text_hides_the_body_when_notification_text_is_off() -> None:
    notifier, holder = make()
    holder.current = NotificationSettings(
        rules=(NotificationRule("cmd", sinks=(Sink.TOAST, Sink.COMMAND), command=("true",)),)
    )
    shown = notifier.judge([msg("secret plans", remote_id="m1")], [ctx()], NOW).alerts[0]
    assert shown.body == "secret plans"
    assert shown.env["LINKDECK_TEXT"] == "secret plans"
    assert shown.rule_name == "cmd"
    holder.privacy["bakery"] = PrivacySettings(notification_text=False)
    hidden = notifier.judge([msg("secret plans", remote_id="m2", conv="t_9")], [ctx()], NOW)
    alert = hidden.alerts[0]
    assert alert.body == "New message from Ana Silva"
    assert "secret" not in alert.title + alert.body + "".join(alert.env.values())


def test_hostile_names_are_sanitised_in_alert_text() -> None:
    notifier, _ = make()
    evil = msg("hi\x1b]0;pwn\x07", name="Eve\x1b[2J\u202e", remote_id="m1")
    alert = notifier.judge([evil], [ctx()], NOW).alerts[0]
    assert "\x1b" not in alert.title + alert.body
    assert "\u202e" not in alert.title


def test_recent_keeps_the_newest_two_hundred_by_time() -> None:
    notifier, _ = make()
    messages = [msg(remote_id=f"m{n}", conv=f"t_{n}", at=later(n)) for n in range(250)]
    notifier.judge(messages, [ctx()] * 250, NOW)
    assert len(notifier.recent) == 200
    assert notifier.recent[0][0].remote_id == "m50"
    assert len(notifier.fired) == 200
    # A backfilled old message arriving late does not push out newer ones.
    old = msg(remote_id="old", at=later(-3600))
    notifier.judge([old], [ctx(catch_up=True)], later(300))
    assert notifier.recent[0][0].remote_id == "m50"
    assert ("bakery", "old") not in notifier.fired
