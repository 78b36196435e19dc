"""``linkdeck export``: stream stored messages (or the activity log) as JSON lines or CSV.

Message columns, in this order (JSON lines use the same keys):

- ``account``: the local account id (``bakery``)
- ``platform``: ``messenger`` or ``instagram``
- ``conversation``: the platform's conversation id
- ``message_id``: the platform's message id
- ``created_at``: ISO-8601 in UTC, millisecond precision (``2026-11-25T09:30:00.000+00:00``)
- ``direction``: ``in`` (from the customer) or ``out`` (from the account)
- ``kind``: message, story_reply, story_mention, reaction or echo
- ``sender_id``, ``sender_name``: who wrote it
- ``text``: the body (empty when bodies are not stored)
- ``attachments``: a JSON array of ``{"kind", "url", "name", "mime_type", "size"}`` objects
  (absent keys left out); in CSV it is that JSON as text

With ``--activity`` the activity log is exported instead: ``at`` (ISO-8601 UTC),
``account``, ``kind``, ``summary``, ``detail``. With ``--quarantine``, the records held
back at sync time (malformed, refused by the database, or the cut-off end of an oversize
text): ``at``, ``account``, ``kind``, ``remote_id``, ``reason``, ``payload``.

In CSV every cell is quoted, so a line break of any kind inside a value (``\r``, ``\n``,
U+2028, ...) stays inside its record; a text cell that a spreadsheet would run as a formula
(its first character after any leading spaces and line breaks is ``=``, ``+``, ``-`` or
``@``, or it starts with a tab or a carriage return) gets a leading ``'``: messages are
written by strangers, and opening an export must not run what they wrote. JSON lines keep
every value exactly as stored, with every control, bidi and line-separator character
escaped (``\u202e``), so each line is plain printable text.

When stdout is a terminal, every control and bidi character is shown as a visible marker
(``⟨ESC⟩``) instead: see :mod:`tui.domain.safeout`.

Messages are streamed oldest first, a thousand rows at a time, so memory use stays flat
whatever the size of the database. A file given with ``--output`` is created 0600.

A large export takes a while (about 25 s for a million messages): when stderr is a terminal
and the records do not go to that same terminal, one line there says how far it is
(``exporting 1,000,000 messages to all.jsonl: 250,000 (25%)``), drawn again four times a
second and replaced at the end by the count exported.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tui.domain.models import ActivityEvent, InboxMessage
from tui.domain.safeout import TerminalStream, for_terminal, json_line
from tui.store.rows import attachments_json
from tui.store.store import Store

MESSAGE_COLUMNS = (
    "account",
    "platform",
    "conversation",
    "message_id",
    "created_at",
    "direction",
    "kind",
    "sender_id",
    "sender_name",
    "text",
    "attachments",
)
ACTIVITY_COLUMNS = ("at", "account", "kind", "summary", "detail")
QUARANTINE_COLUMNS = ("at", "account", "kind", "remote_id", "reason", "payload")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def message_record(message: InboxMessage, platform: str) -> dict[str, Any]:
    """One exported message, keyed by ``MESSAGE_COLUMNS``."""
    return {
        "account": message.account_id,
        "platform": platform,
        "conversation": message.conversation_id,
        "message_id": message.remote_id,
        "created_at": _iso(message.created_at),
        "direction": "out" if message.from_us else "in",
        "kind": str(message.kind),
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "text": message.text,
        "attachments": json.loads(attachments_json(message.attachments)),
    }


def activity_record(event: ActivityEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "account": event.account_id or "",
        "kind": event.kind,
        "summary": event.summary,
        "detail": event.detail,
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets skip leading blanks and line breaks before deciding a cell is a formula.
_LEADING_BLANKS = " \t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u00a0\u3000"


def _cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet will evaluate as a formula."""
    if isinstance(value, str) and _SURROGATE.search(value):
        # A lone surrogate cannot be written as UTF-8 at all; JSON lines escape it instead.
        value = _SURROGATE.sub("\ufffd", value)
    if isinstance(value, str) and (
        value.startswith(FORMULA_STARTS) or value.lstrip(_LEADING_BLANKS).startswith(FORMULA_STARTS)
    ):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out: TextIO, fmt: str, columns: tuple[str, ...]) -> None:
        self._out = out
        self._fmt = fmt
        # QUOTE_ALL: the csv module quotes only the line breaks of its own terminator, so a
        # lone "\r" (or U+2028, which many readers also split on) would end a record.
        self._csv = (
            csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL) if fmt == "csv" else None
        )
        if self._csv is not None:
            self._csv.writerow(columns)
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(
                _cell(json_line(v) if isinstance(v, list) else v) for v in record.values()
            )
        else:
            self._out.write(json_line(record) + "\n")
        self.count += 1


class _Progress:
    """How far a message export is, on one line of a terminal (see the module's notes)."""

    EVERY = 0.25
    """Seconds between two drawings of the line."""

    def __init__(self, stream: TextIO, total: int, where: str) -> None:
        # The line's own controls go to the terminal itself; its text (a path the user
        # typed) is marked like any other text.
        self._stream = stream.raw if isinstance(stream, TerminalStream) else stream
        self._head = for_terminal(f"linkdeck: exporting {total:,} messages to {where}")
        self._total = max(total, 1)
        self._next = 0.0
        self.show(0)

    def show(self, done: int) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.EVERY
        share = min(100, done * 100 // self._total)
        line = f"{self._head}: {done:,} ({share}%)"
        try:
            width = os.get_terminal_size(self._stream.fileno()).columns - 1
        except (OSError, ValueError):
            width = 79
        if len(line) > width > 1:  # a wrapped line could not be drawn again in place
            line = "…" + line[len(line) - width + 1 :]
        # \r and erase-line: the line is drawn again in place, never scrolled.
        self._stream.write(f"\r\x1b[K{line}")
        self._stream.flush()

    def close(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


def _progress_shown(args: argparse.Namespace) -> bool:
    """A terminal to draw on that the records themselves are not written to."""
    try:
        return sys.stderr.isatty() and (args.output is not None or not sys.stdout.isatty())
    except ValueError:  # a closed stream
        return False


@contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as handle:
        yield handle


async def export_records(db_file: Path, args: argparse.Namespace, since: datetime | None) -> int:
    """Write the messages (or activity, or quarantine) of ``db_file`` as ``args`` asks."""
    store = await Store.open(db_file)
    progress: _Progress | None = None
    where = "stdout" if args.output is None else str(args.output)
    try:
        with _open_output(args.output) as out:
            if getattr(args, "quarantine", False):
                writer = _Writer(out, args.format, QUARANTINE_COLUMNS)
                for record in reversed(await store.quarantined(limit=1_000_000)):
                    if args.account and record.account_id != args.account:
                        continue
                    if since is None or record.at >= since:
                        writer.write(
                            {
                                "at": _iso(record.at),
                                "account": record.account_id,
                                "kind": record.kind,
                                "remote_id": record.remote_id or "",
                                "reason": record.reason,
                                "payload": record.payload,
                            }
                        )
            elif args.activity:
                writer = _Writer(out, args.format, ACTIVITY_COLUMNS)
                offset = 0
                while True:
                    page = await store.activity_page(
                        account_id=args.account,
                        kinds=[args.kind] if getattr(args, "kind", None) else None,
                        offset=offset,
                        limit=1000,
                    )
                    for event in page:
                        if since is None or event.at >= since:
                            writer.write(activity_record(event))
                    if len(page) < 1000:
                        break
                    offset += len(page)
            else:
                platforms = await store.platforms()
                if args.account and args.account not in platforms:
                    known = ", ".join(sorted(platforms)) or "none yet"
                    print(
                        f"linkdeck: no messages of account {args.account!r} in {db_file} "
                        f"(accounts stored: {known})",
                        file=sys.stderr,
                    )
                    return 2
                writer = _Writer(out, args.format, MESSAGE_COLUMNS)
                if _progress_shown(args):
                    total = await store.message_count(account_id=args.account, since=since)
                    progress = _Progress(sys.stderr, total, where)
                async for message in store.iter_messages(account_id=args.account, since=since):
                    writer.write(message_record(message, platforms.get(message.account_id, "")))
                    if progress is not None and writer.count % 1000 == 0:
                        progress.show(writer.count)
            out.flush()
    finally:
        if progress is not None:
            progress.close()
        await store.close()
    if args.output is not None or progress is not None:
        print(f"linkdeck: exported {writer.count:,} rows to {where}", file=sys.stderr)
    return 0
