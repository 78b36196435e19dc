"""Validation of the [notifications] table and its ordered [[notifications.rules]]."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.config.checker import Checker
from tui.config.push_urls import read_push_urls
from tui.domain.models import MessageKind, Platform
from tui.domain.patterns import problem as pattern_problem
from tui.domain.rules import (
    FAILING_MINUTES_RANGE,
    NotificationRule,
    NotificationSettings,
    RuleAction,
    Sink,
)

__all__ = ["FLOOD_SECONDS_RANGE", "QUIET_HOURS_RE", "read_notifications"]

FLOOD_SECONDS_RANGE = (0, 86_400)
"""notifications.flood_seconds: from off to one day."""

QUIET_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
RULE_LISTS = ("platforms", "accounts", "kinds", "senders", "keywords", "patterns")


RULE_KEYS = tuple(f.name for f in fields(NotificationRule))


def _rule(check: Checker, raw: object, index: int) -> NotificationRule:
    key = f"notifications.rules[{index}]"
    if not isinstance(raw, Mapping):
        check.wrong(key, "a table", raw, "a disabled rule")
        return NotificationRule(name=f"rule {index + 1}", enabled=False)
    check.unknown(f"{key}.", raw, RULE_KEYS)
    name = check.string(raw, "name", f"{key}.name", "")
    if not name:
        name = f"rule {index + 1}"
    enabled = check.boolean(raw, "enabled", f"{key}.enabled", True)
    lists = {n: check.strings(raw, n, f"{key}.{n}") for n in RULE_LISTS}
    # A broken rule must not act on the wrong messages: it stays listed but disabled.
    broken: list[str] = []
    for pattern in lists["patterns"]:
        why = pattern_problem(pattern)
        if why is not None:
            # Refused at load, so a saved catastrophic pattern never runs on the next start.
            broken.append(f"patterns: refused, it cannot run in bounded time or is invalid ({why})")
    quiet = check.string(raw, "quiet_hours", f"{key}.quiet_hours", None)
    if quiet is not None and not QUIET_HOURS_RE.match(quiet.replace(" ", "")):
        broken.append("quiet_hours: expected 'HH:MM-HH:MM'")
    quiet = quiet.replace(" ", "") if quiet else None
    action_name = check.string(raw, "action", f"{key}.action", RuleAction.NOTIFY.value)
    try:
        action = RuleAction(action_name)
    except ValueError:
        action = RuleAction.NOTIFY
        broken.append("action: expected " + ", ".join(a.value for a in RuleAction))
    sinks: list[Sink] = []
    for sink_name in check.strings(raw, "sinks", f"{key}.sinks") if "sinks" in raw else ("toast",):
        try:
            sinks.append(Sink(sink_name))
        except ValueError:
            check.warn(f"{key}.sinks", "unknown sink ignored; expected " + ", ".join(Sink))
    for value in lists["platforms"]:
        if value not in {p.value for p in Platform}:
            check.warn(f"{key}.platforms", "unknown platform; it matches nothing")
    for value in lists["kinds"]:
        if value not in {k.value for k in MessageKind}:
            check.warn(f"{key}.kinds", "unknown message kind; it matches nothing")
    command = raw.get("command")
    argv: tuple[str, ...] = ()
    if isinstance(command, str):
        try:
            argv = tuple(shlex.split(command))
        except ValueError:
            broken.append("command: cannot be split into arguments (check its quotes)")
    elif command is not None:
        argv = check.strings(raw, "command", f"{key}.command")
    if Sink.COMMAND in sinks and not argv:
        broken.append("command: the command sink needs a command")
    push = read_push_urls(check, raw, "push", f"{key}.push")
    if push and Sink.PUSH not in sinks:
        # Push URLs on a rule say where its alerts go: the sink is implied.
        sinks.append(Sink.PUSH)
    for reason in broken:
        check.error(key, f"{reason}; rule disabled until fixed")
    return NotificationRule(
        name=name,
        enabled=enabled and not broken,
        quiet_hours=quiet,
        action=action,
        sinks=tuple(sinks),
        command=argv,
        push=push,
        **lists,
    )


VIP_ID = re.compile(r"^(person:\d+|[A-Za-z0-9_.-]+:\d+|\d+)$")
"""A VIP entry that is an id: ``person:<id>``, ``<account>:<sender id>`` or a sender id."""


def _vip_ids(check: Checker, raw: Mapping[str, Any]) -> tuple[str, ...]:
    """VIP entries; one that looks like a name or a handle is kept but warned about.

    Names used to be matched, so strangers who took a VIP's name (in other case,
    full-width, with marks or look-alike letters) got VIP alerts. A name is kept in the
    file (the user's own words, and an exact sender id still matches it) but it no
    longer makes anyone a VIP: the warning says how to name the person by id.
    """
    entries = check.strings(raw, "vip", "notifications.vip")
    names = [e for e in entries if not VIP_ID.match(e.strip())]
    if names:
        check.warn(
            "notifications.vip",
            f"{len(names)} entr{'y is' if len(names) == 1 else 'ies are'} a name or handle, "
            "not an id, and no longer make anyone a VIP (anyone can take a name); use "
            "person:<id>, <account>:<sender id> or the sender id",
        )
    return entries


NOTIFICATION_KEYS = (
    "rules",
    "dnd",
    "dnd_until",
    "flood_seconds",
    "timezone",
    "vip",
    "push",
    "account_failing_minutes",
)


def read_notifications(check: Checker, data: Mapping[str, Any]) -> NotificationSettings:
    raw = check.table(data, "notifications", "notifications")
    check.unknown("notifications.", raw, NOTIFICATION_KEYS)
    defaults = NotificationSettings()
    rules_raw = raw.get("rules", [])
    if not isinstance(rules_raw, list):
        check.wrong(
            "notifications.rules", "an array of tables ([[notifications.rules]])", rules_raw, []
        )
        rules_raw = []
    until = raw.get("dnd_until")
    dnd_until: str | None = None
    if isinstance(until, datetime):
        dnd_until = until.isoformat()
    elif isinstance(until, str):
        try:
            dnd_until = datetime.fromisoformat(until).isoformat()
        except ValueError:
            check.error("notifications.dnd_until", "expected a date and time; ignored")
    elif until is not None:
        check.wrong("notifications.dnd_until", "a date and time", until, None)
    flood = check.number(
        raw,
        "flood_seconds",
        "notifications.flood_seconds",
        defaults.flood_seconds,
        FLOOD_SECONDS_RANGE,
        unit="seconds",
    )
    failing = raw.get("account_failing_minutes", defaults.account_failing_minutes)
    low, high = FAILING_MINUTES_RANGE
    if isinstance(failing, bool) or not isinstance(failing, int) or not low <= failing <= high:
        check.error(
            "notifications.account_failing_minutes",
            f"expected a whole number of minutes from {low} to {high}; "
            f"using {defaults.account_failing_minutes}",
        )
        failing = defaults.account_failing_minutes
    timezone = check.string(raw, "timezone", "notifications.timezone", None)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            check.error("notifications.timezone", "unknown time zone; using the system's")
            timezone = None
    rules = tuple(_rule(check, r, i) for i, r in enumerate(rules_raw))
    push = read_push_urls(check, raw, "push", "notifications.push")
    for index, rule in enumerate(rules):
        if Sink.PUSH in rule.sinks and not rule.push and not push:
            check.warn(
                f"notifications.rules[{index}].sinks",
                "the push sink has nowhere to go: add push = [...] apprise URLs to this "
                "rule or to [notifications]",
            )
    return NotificationSettings(
        rules=rules,
        dnd=check.boolean(raw, "dnd", "notifications.dnd", defaults.dnd),
        dnd_until=dnd_until,
        flood_seconds=flood,
        timezone=timezone,
        vip=_vip_ids(check, raw),
        push=push,
        account_failing_minutes=failing,
    )
