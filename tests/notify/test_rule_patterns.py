"""Rule patterns are the user's, the text is a stranger's: matching takes linear time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.config import load_prefs
from tui.domain.patterns import problem

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "a" * 34 + "!"

MATCH_IN_A_CHILD = """
import time
from datetime import UTC, datetime
from tui.domain.models import InboxMessage
from tui.domain.rules import NotificationRule, NotificationSettings
from tui.services.rule_engine import MessageContext, decide

text = "a" * 34 + "!"
message = InboxMessage(account_id="bakery", remote_id="m", conversation_id="t",
    sender_id="psid", created_at=datetime(2026, 11, 25, tzinfo=UTC), text=text)
rules = tuple(NotificationRule(f"r{n}", patterns=(p,)) for n, p in
    enumerate([r"(a+)+$", r"(a|aa)+$", r"(a*)*b", r"^(\\w+\\s?)*$"]))
ctx = MessageContext(now=datetime(2026, 11, 25, tzinfo=UTC), platform="messenger", known=False)
started = time.monotonic()
for _ in range(100):
    decide(message, NotificationSettings(rules=rules), ctx)
print(f"{time.monotonic() - started:.3f}")
"""


def test_nested_quantifiers_against_a_hostile_text_finish_at_once() -> None:
    # In a child process: with a backtracking engine this runs for minutes, and a
    # test must fail, not hang.
    done = subprocess.run(
        [sys.executable, "-c", MATCH_IN_A_CHILD],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) < 2.0, "100 decisions over four nested-quantifier rules"
    assert done.stderr == "", "nothing may be written around the dashboard's screen"


def test_patterns_that_cannot_be_bounded_are_refused_at_load(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[[notifications.rules]]\n"
        'name = "Echo"\n'
        "patterns = ['(a|aa)\\1+$']\n"
        "[[notifications.rules]]\n"
        'name = "Lookahead"\n'
        "patterns = ['^(?=a+!)']\n"
        "[[notifications.rules]]\n"
        'name = "Orders"\n'
        "patterns = ['order #(\\d+)+']\n",
        encoding="utf-8",
    )
    prefs, problems = load_prefs(config)
    rules = {r.name: r for r in prefs.notifications.rules}
    assert not rules["Echo"].enabled and not rules["Lookahead"].enabled
    assert rules["Orders"].enabled, "nested quantifiers are fine under RE2"
    text = "\n".join(str(p) for p in problems)
    assert "notifications.rules[0]" in text and "notifications.rules[1]" in text
    assert "bounded time" in text
    assert problem("x" * 5000) is not None
