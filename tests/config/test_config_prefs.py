"""Reading config.toml: defaults, lenient validation, and the conveniences that edit it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from tui.config.prefs import AccountConfig, Prefs, PrefsFile, load_prefs
from tui.domain.models import InstagramApi, Platform
from tui.domain.rules import NotificationRule, PrivacySettings, RuleAction, Sink

DESIGN_EXAMPLE = """\
[ui]
theme = "linkdeck-dark"
poll_seconds = 20

[[accounts]]
id = "bakery"
platform = "messenger"
page_id = "104920384756"
graph_url = "http://127.0.0.1:8765"
token_env = "LINKDECK_BAKERY_TOKEN"

[[accounts]]
id = "bakery-ig"
platform = "instagram"
ig_user_id = "17841400000000001"
api = "instagram_login"
token_command = "cat ~/.config/linkdeck/ig-token"

[privacy.bakery]
send_read_receipts = false

[[notifications.rules]]
name = "VIP customers"
enabled = true
senders = ["vip"]
action = "notify"
sinks = ["toast", "desktop"]
"""


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(problems: Sequence[object]) -> list[str]:
    return [str(p) for p in problems]


def test_a_missing_file_means_defaults_and_no_complaint(tmp_path: Path) -> None:
    prefs, problems = load_prefs(tmp_path / "absent.toml")
    assert problems == []
    assert prefs == Prefs()
    assert prefs.theme == "linkdeck-dark"
    assert prefs.poll_seconds == 20.0
    assert prefs.privacy_for("anyone") == PrivacySettings()


def test_the_documented_example_reads_cleanly(tmp_path: Path) -> None:
    prefs, problems = load_prefs(config(tmp_path, DESIGN_EXAMPLE))
    assert problems == []
    bakery, ig = prefs.accounts
    assert bakery.to_account().platform is Platform.MESSENGER
    assert bakery.to_account().owner_id == "104920384756"
    assert bakery.graph_url == "http://127.0.0.1:8765"
    assert bakery.api_version == "v25.0"
    assert ig.api is InstagramApi.INSTAGRAM_LOGIN
    assert ig.token_command == "cat ~/.config/linkdeck/ig-token"
    assert prefs.privacy_for("bakery").send_read_receipts is False
    assert prefs.privacy_for("bakery").send_typing is True
    assert prefs.privacy_for("bakery-ig") == PrivacySettings()
    [rule] = prefs.notifications.rules
    assert rule.senders == ("vip",)
    assert rule.sinks == (Sink.TOAST, Sink.DESKTOP)


def test_unknown_keys_are_kept_in_the_file_and_reported(tmp_path: Path) -> None:
    text = (
        DESIGN_EXAMPLE.replace('theme = "linkdeck-dark"', 'theme = "linkdeck-dark"\nfont_size = 14')
        + '\n[plugins]\nweather = "on"\n'
    )
    path = config(tmp_path, text)
    prefs, problems = load_prefs(path)
    assert {(p.key, p.line) for p in problems} == {("ui.font_size", 3), ("plugins", 30)}
    assert all(p.severity == "warning" and "unknown key" in p.message for p in problems)
    assert len(prefs.accounts) == 2
    PrefsFile(path).set_ui("theme", "linkdeck-light")
    assert "font_size = 14" in path.read_text()
    assert 'weather = "on"' in path.read_text()


def test_wrong_types_fall_back_to_defaults_naming_key_and_type(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        """\
[ui]
theme = 7
poll_seconds = "fast"

[notifications]
dnd = "yes"
flood_seconds = -3

[privacy.bakery]
send_typing = 1
backfill_days = "lots"
""",
    )
    prefs, problems = load_prefs(path)
    assert prefs.theme == "linkdeck-dark"
    assert prefs.poll_seconds == 20.0
    assert prefs.notifications.dnd is False
    assert prefs.notifications.flood_seconds == 60
    assert prefs.privacy_for("bakery").send_typing is True
    assert prefs.privacy_for("bakery").backfill_days == 30
    by_key = {p.key: p.message for p in problems if p.severity == "error"}
    assert by_key["ui.theme"].startswith("expected a string, found an integer")
    assert by_key["ui.poll_seconds"].startswith("expected a number of seconds, found a string")
    assert by_key["notifications.dnd"].startswith("expected a boolean")
    assert "whole number from 0 to 86400" in by_key["notifications.flood_seconds"]
    assert by_key["privacy.bakery.send_typing"].startswith("expected a boolean")
    assert "'all'" in by_key["privacy.bakery.backfill_days"]
    # Each problem points at its line, like a compiler would.
    lines = {p.key: (p.line, p.column) for p in problems}
    assert lines["ui.theme"] == (2, 1)
    assert lines["notifications.dnd"] == (6, 1)
    assert lines["privacy.bakery.backfill_days"] == (11, 1)
    assert f"{path}:3:1: ui.poll_seconds: expected a number" in messages(problems)[1]


def test_values_are_never_echoed_in_problems(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        '[[accounts]]\nid = "a"\nplatform = "messenger"\npage_id = "1"\n'
        'token = "EAACANARY0123456789"\n',
    )
    prefs, problems = load_prefs(path)
    assert prefs.accounts[0].id == "a"
    assert [p.key for p in problems] == ["accounts[0].token"]
    assert "do not belong" in problems[0].message
    assert "EAACANARY" not in " ".join(messages(problems))


def test_broken_accounts_are_skipped_and_the_rest_still_load(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        """\
[[accounts]]
id = "ok"
platform = "instagram"
page_id = 104920384756

[[accounts]]
platform = "messenger"

[[accounts]]
id = "ok"
platform = "messenger"
page_id = "1"

[[accounts]]
id = "later"
platform = "telegram"

[[accounts]]
id = "nopage"
platform = "messenger"

[[accounts]]
id = "v"
platform = "messenger"
page_id = "2"
api_version = "25"
graph_url = "ftp://example"
""",
    )
    prefs, problems = load_prefs(path)
    assert [a.id for a in prefs.accounts] == ["ok", "v"]
    assert prefs.accounts[0].page_id == "104920384756"  # an unquoted id is still an id
    assert prefs.accounts[0].api is InstagramApi.PAGE
    assert prefs.accounts[1].api_version == "v25.0"
    assert prefs.accounts[1].graph_url is None
    text = "\n".join(messages(problems))
    assert "accounts[1].id: every account needs an id" in text
    assert "same id" in text
    assert "accounts[3] (later).platform: expected messenger or instagram or matrix" in text
    assert "accounts[4] (nopage).page_id" in text
    assert "accounts[5] (v).api_version" in text
    assert ":16:1: accounts[3] (later).platform" in text
    assert ":26:1: accounts[5] (v).api_version" in text


def test_a_broken_rule_stays_listed_but_disabled(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        """\
[[notifications.rules]]
name = "bad pattern"
patterns = ["(unclosed"]

[[notifications.rules]]
name = "night"
quiet_hours = "25:00-07:00"

[[notifications.rules]]
name = "fine"
keywords = "refund"
sinks = ["toast", "pigeon"]
action = "highlight"
""",
    )
    prefs, problems = load_prefs(path)
    bad, night, fine = prefs.notifications.rules
    assert not bad.enabled and not night.enabled
    assert fine.enabled and fine.keywords == ("refund",)
    assert fine.sinks == (Sink.TOAST,)
    assert fine.action is RuleAction.HIGHLIGHT
    text = "\n".join(messages(problems))
    assert "notifications.rules[0]: patterns: refused" in text
    assert "rule disabled until fixed" in text
    assert "notifications.rules[2].sinks: unknown sink" in text


def test_keymap_accepts_quoted_and_dotted_ids(tmp_path: Path) -> None:
    path = config(tmp_path, '[keymap]\n"inbox.refresh" = "f5"\nmain.filters = "F"\napp.quit = 3\n')
    prefs, problems = load_prefs(path)
    assert prefs.keymap == {"inbox.refresh": "f5", "main.filters": "F"}
    assert [(p.key, p.line) for p in problems] == [("keymap.app.quit", 4)]


def test_privacy_days_words(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        '[privacy.a]\nbackfill_days = "all"\nhistory_days = 90\n'
        '[privacy.b]\nbackfill_days = 0\nhistory_days = "forever"\n',
    )
    prefs, problems = load_prefs(path)
    assert prefs.privacy_for("a").backfill_days is None
    assert prefs.privacy_for("a").history_days == 90
    assert prefs.privacy_for("b").backfill_days == 0
    assert prefs.privacy_for("b").history_days is None
    assert {p.key for p in problems} == {"privacy.a", "privacy.b"}  # no such accounts yet
    assert all(p.severity == "warning" for p in problems)


def test_accounts_are_added_and_removed_with_their_privacy(tmp_path: Path) -> None:
    path = config(tmp_path, DESIGN_EXAMPLE)
    prefs_file = PrefsFile(path)
    new = AccountConfig(
        id="shop-ig",
        platform=Platform.INSTAGRAM,
        page_id="555",
        ig_user_id="17841400000000009",
        api=InstagramApi.PAGE,
        token_command=("pass", "show", "linkdeck/shop"),
        name="Shop",
    )
    prefs_file.add_account(new)
    prefs_file.set_privacy("shop-ig", "store_bodies", False)
    with pytest.raises(ValueError, match="already exists"):
        prefs_file.add_account(new)
    prefs, problems = prefs_file.load()
    assert problems == []
    assert prefs.account("shop-ig") == new
    assert prefs.privacy_for("shop-ig").store_bodies is False

    prefs_file.set_account_field("shop-ig", "paused", True)
    assert prefs_file.load()[0].account("shop-ig") == replace(new, paused=True)

    prefs_file.remove_account("bakery")
    prefs, problems = prefs_file.load()
    assert [a.id for a in prefs.accounts] == ["bakery-ig", "shop-ig"]
    assert "bakery" not in prefs.privacy
    assert problems == []


def test_rules_are_saved_in_order_and_read_back(tmp_path: Path) -> None:
    path = config(tmp_path, "# my rules below\n" + DESIGN_EXAMPLE)
    rules = [
        NotificationRule(name="night", quiet_hours="22:00-07:00", action=RuleAction.SILENT),
        NotificationRule(
            name="refunds",
            keywords=("refund", "remboursement"),
            sinks=(Sink.BELL, Sink.COMMAND),
            command=("notify-send", "Linkdeck"),
        ),
        NotificationRule(name="off", enabled=False, platforms=("instagram",)),
    ]
    PrefsFile(path).set_rules(rules)
    prefs, problems = load_prefs(path)
    assert problems == []
    assert list(prefs.notifications.rules) == rules
    assert path.read_text().startswith("# my rules below\n[ui]\n")
    with pytest.raises(ValueError, match="quiet_hours"):
        PrefsFile(path).set_rules([NotificationRule(name="x", quiet_hours="late")])


def test_conveniences_refuse_bad_keys_and_types(tmp_path: Path) -> None:
    path = config(tmp_path, DESIGN_EXAMPLE)
    prefs_file = PrefsFile(path)
    with pytest.raises(KeyError):
        prefs_file.set_ui("colour", "red")
    with pytest.raises(TypeError):
        prefs_file.set_ui("poll_seconds", "fast")
    with pytest.raises(TypeError):
        prefs_file.set_privacy("bakery", "send_typing", 1)
    with pytest.raises(KeyError):
        prefs_file.set_notification("volume", 3)
    assert path.read_text() == DESIGN_EXAMPLE


def test_a_matrix_account_reads_its_user_homeserver_and_device(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[accounts]]\nid = "me"\nplatform = "matrix"\nuser_id = "@ana:example.org"\n'
        'device_id = "ABCDEF"\n\n'
        '[[accounts]]\nid = "bad"\nplatform = "matrix"\n'
    )
    prefs, problems = load_prefs(path)
    assert [a.id for a in prefs.accounts] == ["me"]
    account = prefs.accounts[0].to_account()
    assert account.homeserver == "https://example.org", "defaults to the user id's server"
    assert account.device_id == "ABCDEF"
    assert account.owner_id == "@ana:example.org"
    assert any("user_id" in str(p) for p in problems)
