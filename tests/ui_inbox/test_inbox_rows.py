"""What one inbox line says: times, reply windows, hostile text shown literally."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tui.domain.models import Conversation, Identity, Platform, TriageState
from tui.modals.search import excerpt
from tui.modals.triage_modals import parse_labels, snooze_choices
from tui.widgets.inbox_rows import ConversationRow, PersonRow, relative_time, window_label

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def conversation(**changes: object) -> Conversation:
    base: dict[str, object] = {
        "account_id": "bakery",
        "remote_id": "t_1",
        "platform": Platform.MESSENGER,
        "customer": Identity("bakery", "psid-1", name="Ana Souza"),
        "updated_at": NOW - timedelta(minutes=4),
        "snippet": "Do you still have sourdough?",
        "unread_count": 3,
        "last_inbound_at": NOW - timedelta(hours=19),
    }
    base.update(changes)
    return Conversation(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("age", "shown"),
    [
        (timedelta(seconds=10), "now"),
        (timedelta(minutes=4, seconds=30), "4m"),
        (timedelta(hours=3, minutes=59), "3h"),
        (timedelta(days=2, hours=5), "2d"),
        (timedelta(days=6, hours=23), "6d"),
        (timedelta(days=12), "Nov 13"),
        (timedelta(days=400), "2025-10-21"),
    ],
)
def test_relative_time(age: timedelta, shown: str) -> None:
    assert relative_time(NOW - age, NOW) == shown


@pytest.mark.parametrize(
    ("since_inbound", "text"),
    [
        (timedelta(hours=19), "open 5h"),
        (timedelta(hours=23, minutes=28), "closing 32m"),
        (timedelta(days=4), "agent 3d"),
        (timedelta(days=8), "closed"),
        (None, ""),
    ],
)
def test_window_label(since_inbound: timedelta | None, text: str) -> None:
    last = None if since_inbound is None else NOW - since_inbound
    assert window_label(last, NOW)[0] == text


@pytest.mark.parametrize("width", [120, 80, 50])
def test_row_fills_the_width_and_shows_every_column(width: int) -> None:
    line = ConversationRow(conversation(), NOW).render(width)
    assert line.cell_length == width
    text = line.plain
    for part in ("FB", "Ana Souza", "3", "Do you", "open 5h", "4m"):
        assert part in text
    assert text.startswith(" FB ")


def test_pinned_muted_labels_and_merge_mark() -> None:
    triage = TriageState(pinned=True, muted=True, labels=("vip", "order"))
    row = ConversationRow(conversation(triage=triage), NOW)
    text = row.render(120).plain
    assert text.startswith("★IG") is False and text.startswith("★FB")
    assert "#vip #order" in text
    assert "dim" in str(row.render(120).spans[-1].style)
    assert ConversationRow(conversation(), NOW, marked=True).render(120).plain.startswith("+FB")


def test_instagram_badge_and_person_row() -> None:
    ig = conversation(platform=Platform.INSTAGRAM, account_id="shop-ig")
    assert ConversationRow(ig, NOW).render(120).plain.startswith(" IG shop-ig")
    person = PersonRow(
        person_id=4,
        name="Ana S.",
        latest=ig,
        size=2,
        unread=5,
        last_inbound_at=NOW - timedelta(minutes=10),
        platforms=("messenger", "instagram"),
        now=NOW,
    )
    text = person.render(120).plain
    assert person.key == ("person", 4)
    assert "FB+IG 2" in text and "Ana S." in text and "  5 " in text


def test_hostile_text_renders_literally_and_fast() -> None:
    name = "[bold red]Boss[/] \x1b[31mred\x1b]0;pwned\x07 \u202etxt"
    snippet = "[@click=app.quit]x[/] \x1b[2J" + "y" * 1_000_000
    row = ConversationRow(
        conversation(customer=Identity("b", "p", name=name), snippet=snippet), NOW
    )
    started = time.perf_counter()
    for _ in range(100):
        line = row.render(120)
    per_row = (time.perf_counter() - started) / 100
    text = line.plain
    assert "[bold red]Boss" in text
    assert "[@click=app.quit]" in text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert line.cell_length == 120
    assert per_row < 0.005, f"a row with a 1 MB snippet took {per_row * 1000:.1f} ms"


def test_snooze_choices_in_the_morning() -> None:
    tuesday = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
    labels, times = zip(*snooze_choices(tuesday), strict=True)
    assert labels[0] == "1 hour"
    assert times == (
        datetime(2026, 11, 24, 11, 15, tzinfo=UTC),
        datetime(2026, 11, 24, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    )


def test_snooze_this_evening_after_six_is_one_hour() -> None:
    late = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)  # a Sunday
    times = [when for _, when in snooze_choices(late)]
    assert times[1] == late + timedelta(hours=1)
    assert times[3] == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # next day is Monday


def test_parse_labels() -> None:
    assert parse_labels(" vip ,order,, vip,  big   cake ") == ["vip", "order", "big cake"]
    assert parse_labels("") == []
    assert len(parse_labels(",".join(f"l{i}" for i in range(50)))) == 12


def test_excerpt_starts_near_a_deep_match() -> None:
    text = "a" * 5000 + " needle " + "b" * 100
    part, spans, cut = excerpt(text, [(5001, 5007)], 40)
    assert cut and part[spans[0][0] : spans[0][1]] == "needle"
    assert len(part) < 200


@pytest.mark.parametrize(
    "name",
    [
        "Аna Souza",
        "Ana Souza ",
        "Ana\u00a0Souza",
        "Ａｎａ Ｓｏｕｚａ",
        "𝐀𝐧𝐚 Souza",
        "Ana\u200bSouza",
    ],
    ids=["cyrillic", "trailing-space", "nbsp", "full-width", "math", "zero-width"],
)
def test_look_alike_names_are_marked_in_the_list(name: str) -> None:
    from tui.domain.confusables import skeleton

    plain = ConversationRow(conversation(), NOW).render(100).plain
    odd = ConversationRow(
        conversation(customer=Identity("bakery", "psid-2", name=name)), NOW
    ).render(100)
    assert "≈" not in plain
    assert "≈" in odd.plain, odd.plain
    assert odd.cell_length == 100
    if "\u200b" not in name:
        assert skeleton(name) == skeleton("Ana Souza") or name.startswith("𝐀")


def test_ordinary_accents_and_other_scripts_are_not_marked() -> None:
    for name in ("José Müller", "Анна Петрова", "李小龍", "Zoë"):
        line = ConversationRow(conversation(customer=Identity("b", "p", name=name)), NOW)
        assert "≈" not in line.render(100).plain, name


def test_a_reply_window_is_never_longer_than_the_platform_allows() -> None:
    # A last message stamped in 2100 (stored before times were checked) still shows a day.
    text, _ = window_label(datetime(2100, 1, 1, tzinfo=UTC), NOW)
    assert text == "open 1d", text
