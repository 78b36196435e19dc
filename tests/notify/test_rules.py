"""The rule engine: order, conditions, quiet hours across midnight and DST, DND, mute, why."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.domain.models import MessageKind
from tui.domain.rules import NotificationRule, NotificationSettings, RuleAction, Sink
from tui.services.notifier import explain, in_window
from tui.services.rule_engine import decide

from .conftest import NOW, ctx, msg


def settings(*rules: NotificationRule, **kw: object) -> NotificationSettings:
    return NotificationSettings(rules=rules, **kw)  # type: ignore[arg-type]


VIP = NotificationRule("VIP", senders=("vip",), sinks=(Sink.TOAST, Sink.BELL))
NIGHT = NotificationRule("Night", quiet_hours="22:00-07:00", action=RuleAction.SILENT)
REFUNDS = NotificationRule("Refunds", keywords=("remboursement",), action=RuleAction.HIGHLIGHT)


def test_first_matching_rule_wins_in_order() -> None:
    both = settings(VIP, REFUNDS, vip=("psid_1",))
    message = msg("Je veux un REMBOURSEMENT")
    assert decide(message, both, ctx()).rule_name == "VIP"
    swapped = settings(REFUNDS, VIP, vip=("psid_1",))
    decision = decide(message, swapped, ctx())
    assert decision.rule_name == "Refunds"
    assert decision.action is RuleAction.HIGHLIGHT
    assert not decision.alerts, "highlight marks the conversation but does not interrupt"


def test_disabled_rule_is_skipped_and_the_next_one_decides() -> None:
    off = NotificationRule("Muted VIP", enabled=False, senders=("vip",), action=RuleAction.SILENT)
    decision = decide(msg(), settings(off, VIP, vip=("psid_1",)), ctx())
    assert decision.rule_name == "VIP"
    assert decision.sinks == (Sink.TOAST, Sink.BELL)


def test_no_rule_matching_falls_back_to_a_toast() -> None:
    decision = decide(msg("hi"), settings(REFUNDS), ctx())
    assert decision.rule_name is None
    assert decision.sinks == (Sink.TOAST,)


def test_keywords_ignore_case_and_accents_both_ways() -> None:
    rule = NotificationRule("Urgent", keywords=("URGENT", "café"), action=RuleAction.SILENT)
    s = settings(rule)
    assert decide(msg("c'est urgent!"), s, ctx()).rule_name == "Urgent"
    assert decide(msg("un CAFE svp"), s, ctx()).rule_name == "Urgent"
    assert decide(msg("Ｕｒｇｅｎｔ"), s, ctx()).rule_name == "Urgent", "NFKD folds full width"
    assert decide(msg("nothing here"), s, ctx()).rule_name is None


def test_patterns_are_case_and_accent_insensitive() -> None:
    rule = NotificationRule("Order", patterns=(r"command[eé]\s+#?\d{4}",))
    s = settings(rule)
    assert decide(msg("Ma COMMANDÉ  #1234 ?"), s, ctx()).rule_name == "Order"
    assert decide(msg("commande 12"), s, ctx()).rule_name is None


def test_platform_account_kind_and_person_conditions() -> None:
    rule = NotificationRule(
        "IG story mentions",
        platforms=("instagram",),
        accounts=("bakery-ig",),
        kinds=("story_mention",),
    )
    s = settings(rule)
    mention = msg(account="bakery-ig", kind=MessageKind.STORY_MENTION)
    assert decide(mention, s, ctx(platform="instagram")).rule_name == "IG story mentions"
    assert decide(mention, s, ctx(platform="messenger")).rule_name is None
    assert decide(msg(account="bakery-ig"), s, ctx(platform="instagram")).rule_name is None
    person = settings(NotificationRule("Mum", senders=("person:42",)))
    assert decide(msg(), person, ctx(person_id=42)).rule_name == "Mum"
    assert decide(msg(), person, ctx(person_id=7)).rule_name is None


def test_strangers_and_known_contacts() -> None:
    s = settings(NotificationRule("New people", senders=("stranger",), sinks=(Sink.BELL,)))
    assert decide(msg(), s, ctx(known=False)).rule_name == "New people"
    assert decide(msg(), s, ctx(known=True)).rule_name is None


def test_quiet_hours_cross_midnight() -> None:
    s = settings(NIGHT, timezone="UTC")
    for hour, inside in [(21, False), (22, True), (23, True), (0, True), (6, True), (7, False)]:
        moment = datetime(2026, 11, 25, hour, 30, tzinfo=UTC)
        decision = decide(msg(), s, ctx(moment))
        assert (decision.rule_name == "Night") is inside, hour


def test_quiet_hours_follow_the_wall_clock_across_the_dst_change() -> None:
    # Berlin leaves summer time on 2026-10-25 at 03:00 CEST (01:00 UTC).
    zone = "Europe/Berlin"
    before = datetime(2026, 10, 24, 5, 30, tzinfo=UTC)  # 07:30 CEST: after quiet hours
    after = datetime(2026, 10, 25, 5, 30, tzinfo=UTC)  # 06:30 CET: still quiet
    assert not in_window("22:00-07:00", before, zone)
    assert in_window("22:00-07:00", after, zone)
    s = settings(NIGHT, timezone=zone)
    assert decide(msg(), s, ctx(before)).rule_name is None
    assert decide(msg(), s, ctx(after)).rule_name == "Night"
    # The night itself: 00:30 UTC is 02:30 CEST, 01:30 UTC is 02:30 CET (the hour repeats).
    assert in_window("02:00-02:45", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), zone)
    assert in_window("02:00-02:45", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), zone)
    assert not in_window("02:00-02:45", datetime(2026, 10, 25, 2, 0, tzinfo=UTC), zone)


def test_do_not_disturb_silences_and_expires() -> None:
    s = settings(VIP, vip=("psid_1",), dnd=True)
    decision = decide(msg(), s, ctx())
    assert decision.rule_name == "VIP", "the rule still fires and is recorded"
    assert not decision.alerts and decision.sinks == ()
    assert "do-not-disturb" in decision.reason
    until = settings(VIP, vip=("psid_1",), dnd=True, dnd_until="2026-11-25T13:00:00+00:00")
    assert not decide(msg(), until, ctx(NOW)).alerts
    assert decide(msg(), until, ctx(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))).alerts
    naive = settings(dnd=True, dnd_until="2026-11-25T13:30:00", timezone="Europe/Berlin")
    assert not decide(msg(), naive, ctx(NOW)).alerts, "12:00 UTC is 13:00 in Berlin"
    assert decide(msg(), naive, ctx(datetime(2026, 11, 25, 12, 31, tzinfo=UTC))).alerts


def test_muted_conversations_catch_up_and_own_messages_never_alert() -> None:
    loud = settings(NotificationRule("All", sinks=(Sink.TOAST, Sink.BELL, Sink.DESKTOP)))
    assert decide(msg(), loud, ctx()).alerts
    assert not decide(msg(), loud, ctx(muted=True)).alerts
    assert not decide(msg(), loud, ctx(catch_up=True)).alerts
    assert not decide(msg(from_us=True), loud, ctx()).alerts
    assert not decide(msg(kind=MessageKind.ECHO), loud, ctx()).alerts


def test_explain_lists_every_rule_with_its_reason() -> None:
    off = NotificationRule("Old", enabled=False)
    s = settings(NIGHT, off, REFUNDS, VIP, vip=("psid_1",), timezone="UTC")
    explanation = explain(msg("Remboursement svp"), s, ctx())
    reasons = [(c.name, c.matched, c.reason) for c in explanation.checks]
    assert reasons == [
        ("Night", False, "outside 22:00-07:00"),
        ("Old", False, "disabled"),
        ("Refunds", True, "matched (keyword 'remboursement')"),
        ("VIP", False, "not reached (earlier match)"),
    ]
    assert explanation.decision.rule_name == "Refunds"
    lines = explanation.lines()
    assert lines[0] == "Result: rule 3 “Refunds” fired: highlight"
    muted = explain(msg(), s, ctx(muted=True))
    assert muted.decision.reason == "no alert: the conversation is muted"
    assert "Before any rule: the conversation is muted" in muted.lines()
