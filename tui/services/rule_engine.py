"""Pure rule matching: which rule catches a message, and why each other rule did not."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.domain.models import InboxMessage, MessageKind
from tui.domain.patterns import CompiledPattern, PatternError, compile_pattern
from tui.domain.rules import NotificationRule, NotificationSettings, RuleAction, Sink

__all__ = [
    "DEFAULT_SINKS",
    "Decision",
    "Explanation",
    "MessageContext",
    "RuleCheck",
    "check_rule",
    "decide",
    "dnd_active",
    "explain",
    "fold",
    "in_window",
    "local_time",
]

DEFAULT_SINKS: tuple[Sink, ...] = (Sink.TOAST,)
"""What a live message does when no rule matches it."""
MATCH_CHARS = 4000
"""Only this much of a message is searched, so a huge text cannot stall the loop."""


def fold(text: str) -> str:
    """Text for case- and accent-insensitive comparison (NFKD, marks dropped, casefolded)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> CompiledPattern | None:
    # NFKD leaves ASCII (and so every escape) alone; only accented letters lose marks.
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", pattern) if not unicodedata.combining(c)
    )
    try:
        # RE2: linear in the text, so a stranger's message cannot stall the loop.
        return compile_pattern(bare)
    except PatternError:
        return None


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(moment: datetime, timezone: str | None) -> datetime:
    zone = _zone(timezone)
    # No configured zone: the system's, which is what the user's clock on the wall shows.
    return moment.astimezone(zone) if zone else moment.astimezone()


def in_window(window: str, moment: datetime, timezone: str | None) -> bool:
    """Whether ``moment`` falls in ``"HH:MM-HH:MM"`` local time; the window may cross midnight.

    Local time comes from ``zoneinfo``, so the wall clock is right on both sides of a
    daylight-saving change. A window whose ends are equal covers the whole day.
    """
    start_text, _, end_text = window.replace(" ", "").partition("-")
    start = time.fromisoformat(start_text)
    end = time.fromisoformat(end_text)
    now = local_time(moment, timezone).time().replace(tzinfo=None)
    if start == end:
        return True
    if start < end:
        return start <= now < end
    return now >= start or now < end


def dnd_active(settings: NotificationSettings, now: datetime) -> bool:
    """Do-not-disturb is on and its optional end time has not come yet."""
    if not settings.dnd:
        return False
    if not settings.dnd_until:
        return True
    try:
        until = datetime.fromisoformat(settings.dnd_until)
    except ValueError:
        return True
    if until.tzinfo is None:
        zone = _zone(settings.timezone)
        until = until.replace(tzinfo=zone) if zone else until.astimezone()
    return now < until


@dataclass(frozen=True)
class MessageContext:
    """What the rules need beyond the message: where it lives and when it is judged."""

    platform: str
    now: datetime
    """When the message is judged (its arrival); quiet hours are checked against it."""
    muted: bool = False
    known: bool = False
    """The customer wrote before (or is merged into a person): not a stranger."""
    person_id: int | None = None
    username: str = ""
    catch_up: bool = False


@dataclass(frozen=True)
class RuleCheck:
    """How one rule judged one message."""

    index: int
    name: str
    enabled: bool
    matched: bool
    reason: str
    """Why it matched (what it matched on) or the first condition that failed."""


@dataclass(frozen=True)
class Decision:
    """What happens to one message."""

    action: RuleAction | None
    """``None``: nothing at all (own message, catch-up, muted)."""
    sinks: tuple[Sink, ...] = ()
    """Sinks to drive; empty unless the message alerts."""
    rule_index: int | None = None
    rule_name: str | None = None
    command: tuple[str, ...] = ()
    reason: str = ""
    push: tuple[str, ...] = ()
    """Apprise URLs for the ``push`` sink (empty when it is not among ``sinks``)."""

    @property
    def alerts(self) -> bool:
        return self.action is RuleAction.NOTIFY and bool(self.sinks)


@dataclass(frozen=True)
class Explanation:
    """Every rule's verdict on a message and the decision that follows."""

    decision: Decision
    checks: tuple[RuleCheck, ...]
    gate: str = ""
    """A reason that stopped the message before any rule (muted, catch-up, own)."""

    def lines(self) -> list[str]:
        out = [f"Result: {self.decision.reason}"]
        if self.gate:
            out.append(f"Before any rule: {self.gate}")
        for check in self.checks:
            mark = "✓" if check.matched else ("–" if not check.enabled else "✗")
            out.append(f"{mark} {check.index + 1}. {check.name}: {check.reason}")
        if not self.checks:
            out.append("No rules are configured.")
        return out


def _sender_matches(
    wanted: str, message: InboxMessage, settings: NotificationSettings, ctx: MessageContext
) -> bool:
    if wanted == "contact":
        return ctx.known
    if wanted == "stranger":
        return not ctx.known
    if wanted == "vip":
        return _is_vip(message, settings, ctx)
    if wanted.startswith("person:"):
        return ctx.person_id is not None and wanted[7:].strip() == str(ctx.person_id)
    return False


def _is_vip(message: InboxMessage, settings: NotificationSettings, ctx: MessageContext) -> bool:
    """VIP status belongs to ids the user chose, compared exactly; never to a name.

    A stranger can take any display name or a look-alike of it (other case, full-width
    letters, combining marks, Cyrillic), but not another person's platform id.
    """
    chosen = {v.strip() for v in settings.vip}
    candidates = {message.sender_id, f"{message.account_id}:{message.sender_id}"}
    if ctx.person_id is not None:
        candidates.add(f"person:{ctx.person_id}")
    return bool(chosen & {c for c in candidates if c and not c.endswith(":")})


def check_rule(
    rule: NotificationRule,
    message: InboxMessage,
    settings: NotificationSettings,
    ctx: MessageContext,
) -> tuple[bool, str]:
    """Whether ``rule`` matches, with what it matched on or the first condition that failed."""
    if rule.platforms and ctx.platform not in rule.platforms:
        return False, f"platform is {ctx.platform}, rule wants {', '.join(rule.platforms)}"
    if rule.accounts and message.account_id not in rule.accounts:
        return False, f"account is {message.account_id}, rule wants {', '.join(rule.accounts)}"
    kind = str(message.kind)
    if rule.kinds and kind not in rule.kinds:
        return False, f"kind is {kind}, rule wants {', '.join(rule.kinds)}"
    if rule.senders and not any(_sender_matches(s, message, settings, ctx) for s in rule.senders):
        return False, f"sender is not {' or '.join(rule.senders)}"
    hit = ""
    if rule.keywords or rule.patterns:
        raw = message.text[:MATCH_CHARS]
        folded = fold(raw)
        word = next((k for k in rule.keywords if k.strip() and fold(k) in folded), None)
        if word is not None:
            hit = f"keyword {word!r}"
        else:
            for pattern in rule.patterns:
                compiled = _compiled(pattern)
                if compiled and (compiled.search(folded) or compiled.search(raw)):
                    hit = f"pattern {pattern!r}"
                    break
        if not hit:
            return False, "no keyword or pattern in the text"
    if rule.quiet_hours:
        if not in_window(rule.quiet_hours, ctx.now, settings.timezone):
            return False, f"outside {rule.quiet_hours}"
        hit = ", ".join(filter(None, [hit, f"inside {rule.quiet_hours}"]))
    return True, "matched" + (f" ({hit})" if hit else "")


def explain(
    message: InboxMessage, settings: NotificationSettings, ctx: MessageContext
) -> Explanation:
    """Why a message did or did not notify: each rule's verdict, then the decision."""
    checks: list[RuleCheck] = []
    chosen: tuple[int, NotificationRule] | None = None
    for index, rule in enumerate(settings.rules):
        if not rule.enabled:
            checks.append(RuleCheck(index, rule.name, False, False, "disabled"))
            continue
        if chosen is not None:
            checks.append(RuleCheck(index, rule.name, True, False, "not reached (earlier match)"))
            continue
        matched, reason = check_rule(rule, message, settings, ctx)
        checks.append(RuleCheck(index, rule.name, True, matched, reason))
        if matched:
            chosen = (index, rule)
    gate = _gate(message, ctx)
    if gate:
        return Explanation(Decision(None, reason=f"no alert: {gate}"), tuple(checks), gate)
    index_: int | None = None
    name: str | None = None
    command: tuple[str, ...] = ()
    push: tuple[str, ...] = ()
    if chosen is None:
        action, sinks = RuleAction.NOTIFY, DEFAULT_SINKS
        why = "no rule matched, so the default applies (toast)"
        if settings.push:
            # Default push targets make the service useful with no rule written at all.
            sinks, push = (*DEFAULT_SINKS, Sink.PUSH), settings.push
            why = "no rule matched, so the default applies (toast, push)"
    else:
        index_, rule = chosen
        action, sinks, name, command = rule.action, rule.sinks, rule.name, rule.command
        push = (rule.push or settings.push) if Sink.PUSH in sinks else ()
        why = f"rule {index_ + 1} “{rule.name}” fired: {action.value}"
    if action is not RuleAction.NOTIFY:
        sinks, push = (), ()
    elif dnd_active(settings, ctx.now):
        sinks, push = (), ()
        why += "; do-not-disturb is on, so nothing interrupts"
    decision = Decision(action, sinks, index_, name, command, why, push)
    return Explanation(decision, tuple(checks))


def _gate(message: InboxMessage, ctx: MessageContext) -> str:
    if message.from_us or message.kind is MessageKind.ECHO:
        return "sent by this account"
    if ctx.catch_up:
        return "arrived during backfill or catch-up"
    if ctx.muted:
        return "the conversation is muted"
    return ""


def decide(message: InboxMessage, settings: NotificationSettings, ctx: MessageContext) -> Decision:
    return explain(message, settings, ctx).decision
