"""The form that adds or edits a notification rule (it validates)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.config.notify_schema import QUIET_HOURS_RE
from tui.domain.models import MessageKind, Platform
from tui.domain.patterns import problem as pattern_problem
from tui.domain.rules import NotificationRule, RuleAction, Sink
from tui.widgets.safe import safe
from tui.widgets.toggles import GlyphCheckbox

__all__ = ["RuleForm", "parse_rule_form", "split_list"]

SENDER_FORMS = ("contact", "stranger", "vip")


def split_list(text: str, separator: str = ",") -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(separator) if part.strip())


def parse_rule_form(values: dict[str, object]) -> tuple[NotificationRule | None, list[str]]:
    """Turn the form's raw values into a rule, or the list of what is wrong with them.

    Lists are comma separated; patterns are separated by `` ;; `` since a regular
    expression may hold commas.
    """
    errors: list[str] = []
    name = str(values.get("name", "")).strip()
    if not name:
        errors.append("Name: give the rule a name.")
    platforms = split_list(str(values.get("platforms", "")))
    for value in platforms:
        if value not in {p.value for p in Platform}:
            errors.append(f"Platforms: {value!r} is not one of {', '.join(Platform)}.")
    kinds = split_list(str(values.get("kinds", "")))
    known_kinds = [k.value for k in MessageKind if k is not MessageKind.ECHO]
    for value in kinds:
        if value not in known_kinds:
            errors.append(f"Kinds: {value!r} is not one of {', '.join(known_kinds)}.")
    senders = split_list(str(values.get("senders", "")))
    for value in senders:
        if value not in SENDER_FORMS and not re.fullmatch(r"person:\d+", value):
            errors.append(f"Senders: {value!r}: use contact, stranger, vip or person:<id>.")
    patterns = split_list(str(values.get("patterns", "")), ";;")
    for pattern in patterns:
        why = pattern_problem(pattern)
        if why is not None:
            # RE2 refuses what it cannot match in linear time (back-references,
            # look-arounds): a stranger's message must never stall the dashboard.
            errors.append(
                f"Patterns: {pattern!r} cannot be used ({why}); "
                "only patterns that run in linear time are allowed."
            )
    quiet = str(values.get("quiet_hours", "")).replace(" ", "") or None
    if quiet is not None and not QUIET_HOURS_RE.match(quiet):
        errors.append("Time window: write it as HH:MM-HH:MM, e.g. 22:00-07:00.")
    try:
        action = RuleAction(str(values.get("action", RuleAction.NOTIFY.value)))
    except ValueError:
        action = RuleAction.NOTIFY
        errors.append("Action: choose notify, highlight or silent.")
    chosen = values.get("sinks", ())
    sinks = tuple(Sink(s) for s in Sink if s.value in chosen)  # type: ignore[operator]
    command_text = str(values.get("command", "")).strip()
    command: tuple[str, ...] = ()
    if command_text:
        try:
            command = tuple(shlex.split(command_text))
        except ValueError:
            errors.append("Command: its quotes do not match.")
    if Sink.COMMAND in sinks and not command:
        errors.append("Command: the command sink needs a command to run.")
    if action is RuleAction.NOTIFY and not sinks:
        errors.append("Sinks: a notify rule needs at least one sink.")
    if errors:
        return None, errors
    rule = NotificationRule(
        name=name,
        enabled=bool(values.get("enabled", True)),
        platforms=platforms,
        accounts=split_list(str(values.get("accounts", ""))),
        kinds=kinds,
        senders=senders,
        keywords=split_list(str(values.get("keywords", ""))),
        patterns=patterns,
        quiet_hours=quiet,
        action=action,
        sinks=sinks,
        command=command,
    )
    return rule, []


class RuleForm(ModalScreen[NotificationRule | None]):
    """Add or edit one rule; Save checks every field and lists what is wrong."""

    DEFAULT_CSS = """
    RuleForm { align: center middle; }
    RuleForm > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    RuleForm VerticalScroll { height: auto; max-height: 30; }
    RuleForm Label { color: $text-muted; }
    RuleForm Input, RuleForm Select { margin-bottom: 1; }
    RuleForm Input { background: $boost; }
    RuleForm Checkbox { margin-right: 2; }
    RuleForm #rule-errors { color: $error; height: auto; }
    RuleForm #rule-sinks { height: auto; margin-bottom: 1; }
    RuleForm #rule-buttons { height: 1; align: right middle; margin-top: 1; }
    RuleForm Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rule-form.cancel"),
        Binding("ctrl+s", "save", "Save", id="rule-form.save"),
    ]

    def __init__(self, rule: NotificationRule | None, accounts: Sequence[str] = ()) -> None:
        super().__init__()
        self.rule = rule or NotificationRule(name="")
        self.accounts = tuple(accounts)

    def compose(self) -> ComposeResult:
        rule = self.rule
        with Vertical():
            yield Static("Edit rule" if rule.name else "New rule", classes="title")
            with VerticalScroll():
                yield Label("Name")
                yield Input(rule.name, id="rule-name", compact=True)
                yield Label("Platforms (messenger, instagram; empty: any)")
                yield Input(", ".join(rule.platforms), id="rule-platforms", compact=True)
                hint = ", ".join(self.accounts) or "account ids"
                yield Label(f"Accounts (empty: any; yours: {hint})")
                yield Input(", ".join(rule.accounts), id="rule-accounts", compact=True)
                yield Label("Kinds (message, story_reply, story_mention, reaction)")
                yield Input(", ".join(rule.kinds), id="rule-kinds", compact=True)
                yield Label("Senders (contact, stranger, vip, person:<id>)")
                yield Input(", ".join(rule.senders), id="rule-senders", compact=True)
                yield Label("Keywords (comma separated; case and accents ignored)")
                yield Input(", ".join(rule.keywords), id="rule-keywords", compact=True)
                yield Label("Patterns (regular expressions, separated by ;;)")
                yield Input(" ;; ".join(rule.patterns), id="rule-patterns", compact=True)
                yield Label("Time window HH:MM-HH:MM (may cross midnight; empty: always)")
                yield Input(rule.quiet_hours or "", id="rule-quiet", compact=True)
                yield Label("Action")
                yield Select(
                    [(a.value, a.value) for a in RuleAction],
                    value=rule.action.value,
                    allow_blank=False,
                    id="rule-action",
                    compact=True,
                )
                yield Label("Sinks")
                with Horizontal(id="rule-sinks"):
                    for sink in Sink:
                        yield GlyphCheckbox(
                            sink.value, sink in rule.sinks, id=f"rule-sink-{sink}", compact=True
                        )
                yield Label("Command (for the command sink; run without a shell)")
                yield Input(shlex.join(rule.command), id="rule-command", compact=True)
                yield GlyphCheckbox("Enabled", rule.enabled, id="rule-enabled", compact=True)
            yield Static("", id="rule-errors")
            with Horizontal(id="rule-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="rule-save", compact=True)
                yield Button("Cancel (esc)", id="rule-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#rule-name", Input).focus()

    def values(self) -> dict[str, object]:
        def text(name: str) -> str:
            return self.query_one(f"#rule-{name}", Input).value

        return {
            "name": text("name"),
            "platforms": text("platforms"),
            "accounts": text("accounts"),
            "kinds": text("kinds"),
            "senders": text("senders"),
            "keywords": text("keywords"),
            "patterns": text("patterns"),
            "quiet_hours": text("quiet"),
            "action": self.query_one("#rule-action", Select).value,
            "sinks": [s.value for s in Sink if self.query_one(f"#rule-sink-{s}", Checkbox).value],
            "command": text("command"),
            "enabled": self.query_one("#rule-enabled", Checkbox).value,
        }

    def action_save(self) -> None:
        rule, errors = parse_rule_form(self.values())
        if rule is None:
            self.query_one("#rule-errors", Static).update(safe("\n".join(errors)))
            return
        # The form does not show push URLs (they hold tokens): an edit keeps them.
        self.dismiss(replace(rule, push=self.rule.push))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#rule-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#rule-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
