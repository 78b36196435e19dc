"""Named slices of the merged inbox and the SQL that selects them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tui.domain.models import Conversation, Platform, TriageStatus
from tui.store.rows import to_ms

ViewKind = Literal["all", "unread", "needs_reply", "snoozed", "done"]
VIEW_KINDS: tuple[str, ...] = ("all", "unread", "needs_reply", "snoozed", "done")

# Every list of conversations is shown in this order; conversations_order indexes it.
ORDER_BY = "c.pinned DESC, c.updated_at DESC, c.remote_id, c.account_id"


@dataclass(frozen=True)
class InboxView:
    """Which conversations a list shows.

    ``all``: open ones, and snoozed ones whose time has come; ``unread``: those of ``all``
    with unread messages; ``needs_reply``: those of ``all`` whose last message is the
    customer's; ``snoozed``: still snoozed; ``done``: archived.
    """

    kind: ViewKind = "all"
    platform: Platform | None = None
    account_id: str | None = None
    person_id: int | None = None
    label: str | None = None
    """Only conversations carrying this label (any case)."""

    def __post_init__(self) -> None:
        if self.kind not in VIEW_KINDS:
            raise ValueError(f"unknown inbox view {self.kind!r}")


def view_where(view: InboxView, now: datetime) -> tuple[str, list[object]]:
    """A WHERE clause (over alias ``c``) with ``?`` parameters for ``view`` at ``now``."""
    where, named = view_where_named(view, now)
    # Named placeholders appear in a fixed order; rewrite each occurrence positionally.
    positional: list[object] = []

    def swap(match: re.Match[str]) -> str:
        positional.append(named[match.group(1)])
        return "?"

    return re.sub(r":(now|platform|account|person|label)\b", swap, where), positional


def view_where_named(view: InboxView, now: datetime) -> tuple[str, dict[str, object]]:
    """A WHERE clause (over alias ``c``) and its named parameters for ``view`` at ``now``."""
    awake = "(c.status = 'open' OR (c.status = 'snoozed' AND COALESCE(c.snoozed_until, 0) <= :now))"
    clauses: list[str] = []
    params: dict[str, object] = {"now": to_ms(now)}
    if view.kind == "all":
        clauses.append(awake)
    elif view.kind == "unread":
        clauses += [awake, "c.unread_count > 0"]
    elif view.kind == "needs_reply":
        clauses += [awake, "c.last_from_us = 0", "c.message_count > 0"]
    elif view.kind == "snoozed":
        clauses.append("c.status = 'snoozed' AND COALESCE(c.snoozed_until, 0) > :now")
    else:
        clauses.append("c.status = 'done'")
    if view.platform is not None:
        clauses.append("c.platform = :platform")
        params["platform"] = str(view.platform)
    if view.account_id is not None:
        clauses.append("c.account_id = :account")
        params["account"] = view.account_id
    if view.person_id is not None:
        clauses.append("c.person_id = :person")
        params["person"] = view.person_id
    if view.label is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(c.labels) "
            "WHERE lower(json_each.value) = lower(:label))"
        )
        params["label"] = view.label
    return " AND ".join(clauses), params


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
"""SQLite's built-in lower() folds ASCII letters only; the label test below must agree."""


def view_holds(view: InboxView, conversation: Conversation, now: datetime) -> bool | None:
    """Whether ``view`` lists ``conversation`` at ``now``, as :func:`view_where` decides it
    in SQL, from the conversation alone; ``None`` when only the store can tell (needs
    reply: whether the last message is ours is not part of a ``Conversation``).

    A live change carries the changed conversations; the inbox places them with this
    instead of reading each one back.
    """
    if view.kind == "needs_reply":
        return None
    triage = conversation.triage
    snoozed_until = 0 if triage.snoozed_until is None else to_ms(triage.snoozed_until)
    still_snoozed = triage.status is TriageStatus.SNOOZED and snoozed_until > to_ms(now)
    awake = triage.status is TriageStatus.OPEN or (
        triage.status is TriageStatus.SNOOZED and not still_snoozed
    )
    if view.kind == "all":
        holds = awake
    elif view.kind == "unread":
        holds = awake and conversation.unread_count > 0
    elif view.kind == "snoozed":
        holds = still_snoozed
    else:
        holds = triage.status is TriageStatus.DONE
    if view.platform is not None and str(conversation.platform) != str(view.platform):
        return False
    if view.account_id is not None and conversation.account_id != view.account_id:
        return False
    if view.person_id is not None and conversation.customer.person_id != view.person_id:
        return False
    if view.label is not None:
        wanted = view.label.translate(_ASCII_LOWER)
        if not any(label.translate(_ASCII_LOWER) == wanted for label in triage.labels):
            return False
    return holds
