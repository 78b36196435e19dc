"""Deleting, purging for privacy, searching and streaming messages out."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import aiosqlite

from tui.domain.models import InboxMessage
from tui.store.base import DROP_LONE_SENDERS, StoreBase, read_conversations, refresh_summaries
from tui.store.inbox import dissolve_lonely
from tui.store.rows import (
    MESSAGE_COLUMNS,
    from_ms,
    message_from_values,
    to_ms,
)
from tui.store.search import ParsedQuery, SearchHit, parse, span_finder, spans

_log = logging.getLogger(__name__)


class MaintenanceMixin(StoreBase):
    """Edits that remove data, full-text search and export streaming."""

    async def delete_message(self, account_id: str, remote_id: str) -> bool:
        """Remove a message (unsent on the platform); ``False`` when it was not stored."""
        async with self._transaction() as db:
            async with db.execute(
                "DELETE FROM messages WHERE account_id = ? AND remote_id = ? "
                "RETURNING conversation_id",
                (account_id, remote_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await db.execute(DROP_LONE_SENDERS, (account_id, row[0]))
            await self._refresh_summary(account_id, row[0])
        return True

    async def purge_bodies(self, account_id: str) -> int:
        """Blank every message text of an account, in the table and in the index.

        Returns how many messages lost their text. Call ``checkpoint`` afterwards to clear
        the write-ahead log too. The messages are blanked in steps (see ``_in_steps``): a
        million took 6 s in one statement, every read of the service waiting behind it.
        Until the last step is done a mark names the purge (see ``unfinished_purges``).
        """
        await self._mark_purge(account_id, PURGE_BODIES, PURGE_BEGUN)
        count = await self._in_steps(account_id, partial(_blank_texts, account_id=account_id))
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM cursors WHERE account_id = ? AND name = ?",
                (account_id, PURGE_MARK + PURGE_BODIES),
            )
            await db.execute("DELETE FROM quarantine WHERE account_id = ?", (account_id,))
            # A draft is text too: the user's own, but still message text on this computer.
            await db.execute("DELETE FROM drafts WHERE account_id = ?", (account_id,))
            await db.execute(
                "UPDATE outbox SET text = '' WHERE account_id = ? AND state = 'sent' "
                "AND text != ''",
                (account_id,),
            )
            await _rebuild_index_segments(db)
        return count

    async def purge_sent_text(self, account_id: str) -> int:
        """Blank the text of an account's sent replies (their body is no longer needed to
        send or to reconcile); returns how many. Call ``checkpoint`` afterwards."""
        return await self._write(
            "UPDATE outbox SET text = '' WHERE account_id = ? AND state = 'sent' AND text != ''",
            (account_id,),
        )

    async def purge_older_than(self, account_id: str, cutoff: datetime) -> int:
        """Delete an account's messages created before ``cutoff``; returns how many.

        In steps (see ``_in_steps``): a first purge on a large store (330,000 of a million
        messages) took 14 s in one transaction, every write of the service waiting behind
        it, and now takes about 4.5 s in steps of ~45 ms.
        """
        cutoff_ms = to_ms(cutoff)
        total = await self._in_steps(
            account_id, partial(_delete_older, account_id=account_id, cutoff_ms=cutoff_ms)
        )
        async with self._transaction() as db:
            # Message text kept elsewhere goes by the same rule: records held back at sync
            # time, and replies sent long ago (those not sent yet stay: they are the
            # user's work in progress).
            await db.execute(
                "DELETE FROM quarantine WHERE account_id = ? AND at < ?", (account_id, cutoff_ms)
            )
            await db.execute(
                "DELETE FROM outbox WHERE account_id = ? AND state = 'sent' AND created_at < ?",
                (account_id, cutoff_ms),
            )
            await dissolve_lonely(db)
            await _rebuild_index_segments(db)
        return total

    async def _in_steps(
        self, account_id: str, work: Callable[[sqlite3.Connection, list[str]], int]
    ) -> int:
        """Run ``work`` on the account's conversations ``PURGE_STEP`` at a time (by id),
        each step its own transaction and one trip to the database thread; returns the sum
        of what the steps return.

        A long purge this way leaves sync and the screens their turn between steps. A step
        that is cut off leaves the steps before it done; running the purge again finishes
        the work. (Foreign keys are on: every message has its conversation row.)
        """
        total = 0
        after: str | None = ""
        while after is not None:
            step = partial(_next_step, account_id=account_id, after=after, work=work)
            async with self._transaction():
                count, after = await self._on_db_thread(step)
            total += count
        return total

    async def purge_account(self, account_id: str) -> int:
        """Delete everything stored for an account but its activity log; returns messages.

        In steps (see ``_in_steps``): a million messages took 8.6 s in one transaction,
        every read and write of the service waiting behind it. A purge cut short (a crash,
        a kill) leaves its mark among the account's cursors, and
        :meth:`unfinished_purges` names it at the next start, to be finished then. A
        second call while one runs waits for that one instead of racing it.
        """
        running = self._purges.get(account_id)
        if running is None:
            running = asyncio.ensure_future(self._purge_account(account_id))
            self._purges[account_id] = running
            running.add_done_callback(lambda _done: self._purges.pop(account_id, None))
        # Shielded: a caller that gives up does not leave the purge half done.
        return await asyncio.shield(running)

    async def _purge_account(self, account_id: str) -> int:
        # The mark left by ``begin_account_purge`` names the account's webhook events, and
        # stays as it is (a purge finished at the next start has no config to ask).
        mark = await self._one(
            "SELECT value FROM cursors WHERE account_id = ? AND name = ?",
            (account_id, PURGE_MARK + PURGE_ACCOUNT),
        )
        if mark is None:
            await self._mark_purge(account_id, PURGE_ACCOUNT, PURGE_BEGUN)
        value = str(mark[0]) if mark is not None else PURGE_BEGUN
        count = await self._in_steps(
            account_id, partial(_delete_conversations, account_id=account_id)
        )
        async with self._transaction() as db:
            # Every message has its conversation (foreign keys are on), so the steps leave
            # none but what a sync stored after them; the mark leaves with the cursors.
            async with db.execute(
                "DELETE FROM messages WHERE account_id = ?", (account_id,)
            ) as cur:
                count += max(cur.rowcount, 0)
            for table in ("conversations", "cursors", "outbox", "quarantine"):
                await db.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
            await db.executemany(DROP_WAITING_WEBHOOK_EVENTS, _webhook_entries(value))
            await dissolve_lonely(db)
            await _rebuild_index_segments(db)
        return count

    async def unfinished_purges(self) -> dict[str, str]:
        """Purges begun and not finished: account id -> ``"account"`` or ``"bodies"``."""
        rows = await self._all(
            "SELECT account_id, name FROM cursors WHERE name IN (?, ?) ORDER BY account_id",
            (PURGE_MARK + PURGE_ACCOUNT, PURGE_MARK + PURGE_BODIES),
        )
        found: dict[str, str] = {}
        for account_id, name in rows:
            kind = str(name).removeprefix(PURGE_MARK)
            # An account purge takes the bodies with everything else.
            if found.get(account_id) != PURGE_ACCOUNT:
                found[account_id] = kind
        return found

    async def forget_purge(self, account_id: str) -> None:
        """Drop an unfinished purge's mark (the user linked the account again)."""
        await self._write(
            "DELETE FROM cursors WHERE account_id = ? AND name IN (?, ?)",
            (account_id, PURGE_MARK + PURGE_ACCOUNT, PURGE_MARK + PURGE_BODIES),
        )

    async def begin_account_purge(
        self, account_id: str, webhook_entries: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Mark an account's purge as begun before anything else of the unlink happens: a
        crash after it leaves a purge the next start finishes (or, if the account is still
        in config.toml, forgets).

        ``webhook_entries`` are the ``(object, entry id)`` pairs its webhook events arrive
        under: the purge drops those not applied yet, even when it is finished at the next
        start, after config.toml stopped naming the account's Page.
        """
        value = json.dumps({"webhooks": [list(entry) for entry in webhook_entries]})
        await self._mark_purge(account_id, PURGE_ACCOUNT, value if webhook_entries else PURGE_BEGUN)

    async def _mark_purge(self, account_id: str, kind: str, value: str) -> None:
        await self._write(
            "INSERT OR REPLACE INTO cursors (account_id, name, value) VALUES (?, ?, ?)",
            (account_id, PURGE_MARK + kind, value),
        )

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it to zero bytes."""
        async with self._write_lock:
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def counts(self, account_id: str) -> tuple[int, int]:
        """(conversations, messages) stored for an account.

        The messages are summed from the conversations' kept counts (every path that
        stores or deletes a message keeps them): the Profiles tab reads this once a second
        while messages arrive, and counting the messages themselves took 45-400 ms for a
        million, against 15-75 ms for the 50,000 conversations.
        """
        row = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(message_count), 0) FROM conversations "
            "WHERE account_id = ?",
            (account_id,),
        )
        return (int(row[0]), int(row[1])) if row is not None else (0, 0)

    async def message_count(
        self, *, account_id: str | None = None, since: datetime | None = None
    ) -> int:
        """How many messages :meth:`iter_messages` gives for the same arguments."""
        where, params = _messages_of(account_id, since)
        return int(await self._scalar(f"SELECT COUNT(*) FROM messages m {where}", params) or 0)

    async def iter_messages(
        self,
        *,
        account_id: str | None = None,
        since: datetime | None = None,
        chunk: int = 1000,
    ) -> AsyncIterator[InboxMessage]:
        """Every message, oldest first, read ``chunk`` rows at a time (keyset pagination)."""
        last: tuple[int, int] | None = None
        where, chosen = _messages_of(account_id, since)
        while True:
            sql = f"SELECT {MESSAGE_COLUMNS} FROM messages m {where}"
            params = list(chosen)
            if last is not None:
                # A row value, not an OR: SQLite seeks the index only for this form.
                sql += " AND (m.created_at, m.id) > (?, ?)"
                params += [last[0], last[1]]
            sql += " ORDER BY m.created_at, m.id LIMIT ?"
            rows = await self._all(sql, [*params, max(chunk, 1)])
            for row in rows:
                yield message_from_values(row)
            if len(rows) < max(chunk, 1):
                return
            last = (rows[-1]["created_at"], rows[-1]["id"])

    async def search(self, query: str, limit: int = 100) -> list[SearchHit]:
        """Full-text search over message text with filters; never raises on odd input.

        Words are matched whole (``word*`` matches a prefix), ``"quoted phrases"`` as
        phrases; ``from:`` ``platform:`` ``account:`` ``before:`` ``after:`` narrow.
        Hits are newest first, each with the character spans of the matched words.
        Messages committed a moment ago and not indexed yet (by this or another process)
        are indexed first, so they are found too.
        """
        parsed = parse(query if isinstance(query, str) else "")
        if parsed.empty or limit <= 0:
            return []
        try:
            if self._fts_waiting:
                await self._index_for_search()
            # One trip to the database thread for the whole search (probe, hits, their
            # conversations, the outbox); ``None``: another process left rows to index.
            hits = await self._on_db_thread(lambda db: _search(db, parsed, limit, True))
            if hits is None:
                await self._index_for_search()
                hits = await self._on_db_thread(lambda db: _search(db, parsed, limit, False))
        except sqlite3.OperationalError as exc:
            # Quoting makes a syntax error unreachable; a tokenizer edge case stays
            # harmless. Anything else (the index missing, the disk failing) is raised:
            # "no messages match" would be a lie.
            if _is_query_error(exc):
                return []
            raise
        return hits or []

    async def _index_for_search(self) -> None:
        try:
            await self._index_pending()
        except sqlite3.Error as exc:  # still listed in fts_pending: indexed later
            _log.warning("search index update failed: %s", exc)


def _is_query_error(exc: sqlite3.OperationalError) -> bool:
    """Whether FTS5 refused the query itself (its syntax, a column filter it does not
    know), rather than the database failing."""
    words = str(exc)
    return words.startswith("fts5:") or "MATCH" in words or words.startswith("no such column")


PURGE_STEP = 500
"""Conversations one step of a purge handles (see ``_in_steps``)."""
PURGE_MARK = "purge:"
"""Cursor names ``purge:account`` and ``purge:bodies``: a purge begun, not finished."""
PURGE_ACCOUNT = "account"
PURGE_BODIES = "bodies"
PURGE_BEGUN = "begun"
"""A purge mark's value when it names nothing more (as every mark did before marks named
the account's webhook entries)."""
DROP_WAITING_WEBHOOK_EVENTS = (
    "DELETE FROM webhook_inbox WHERE object = ? AND entry_id = ? AND state != 'done'"
)
"""Per (object, entry id) of a purged account: its webhook events not applied yet. Their
text goes with the rest of the account's; an applied event keeps no text, only its key."""


def _webhook_entries(mark: str) -> list[tuple[str, str]]:
    """The (object, entry id) pairs an account purge's mark names; none for a bare mark
    or one this version cannot read (the events then go the set-aside way)."""
    try:
        found = json.loads(mark)["webhooks"]
        return [(str(obj), str(entry)) for obj, entry in found]
    except (ValueError, TypeError, KeyError):
        return []


def _next_step(
    db: sqlite3.Connection,
    *,
    account_id: str,
    after: str,
    work: Callable[[sqlite3.Connection, list[str]], int],
) -> tuple[int, str | None]:
    """``work`` on the account's next ``PURGE_STEP`` conversations after ``after``: what it
    returns, and the last conversation id done (``None``: there were no more)."""
    ids = [
        row[0]
        for row in db.execute(
            "SELECT remote_id FROM conversations WHERE account_id = ? AND remote_id > ? "
            "ORDER BY remote_id LIMIT ?",
            (account_id, after, PURGE_STEP),
        )
    ]
    if not ids:
        return 0, None
    return work(db, ids), ids[-1]


_STEP_MESSAGES = "account_id = ? AND conversation_id IN (SELECT value FROM json_each(?))"
"""A step's messages: the account's, in the step's conversations (a JSON list of ids)."""
_STEP_CONVERSATIONS = "account_id = ? AND remote_id IN (SELECT value FROM json_each(?))"
"""A step's conversations."""


def _delete_older(
    db: sqlite3.Connection, ids: list[str], *, account_id: str, cutoff_ms: int
) -> int:
    """Delete these conversations' messages from before the cutoff, refresh the summaries
    they change and drop the conversations left with nothing from after it; how many."""
    keys = json.dumps(ids)
    deleted = db.execute(
        f"DELETE FROM messages WHERE {_STEP_MESSAGES} AND created_at < ? RETURNING conversation_id",
        (account_id, keys, cutoff_ms),
    ).fetchall()
    touched = sorted({row[0] for row in deleted})
    refresh_summaries(db, account_id, touched)
    # Senders no message of theirs is left for (under that name) in these conversations.
    db.executemany(DROP_LONE_SENDERS, [(account_id, conversation) for conversation in touched])
    db.execute(
        f"DELETE FROM conversations WHERE {_STEP_CONVERSATIONS} AND message_count = 0 "
        "AND updated_at < ?",
        (account_id, keys, cutoff_ms),
    )
    return len(deleted)


def _delete_conversations(db: sqlite3.Connection, ids: list[str], *, account_id: str) -> int:
    """Delete these conversations and their messages (drafts follow by cascade); how many
    messages."""
    keys = json.dumps(ids)
    deleted = db.execute(f"DELETE FROM messages WHERE {_STEP_MESSAGES}", (account_id, keys))
    db.execute(f"DELETE FROM conversations WHERE {_STEP_CONVERSATIONS}", (account_id, keys))
    return deleted.rowcount


def _blank_texts(db: sqlite3.Connection, ids: list[str], *, account_id: str) -> int:
    """Blank the text of these conversations' messages (the index follows by trigger) and
    their snippets; how many messages lost a text."""
    keys = json.dumps(ids)
    blanked = db.execute(
        f"UPDATE messages SET text = '' WHERE {_STEP_MESSAGES} AND text != ''", (account_id, keys)
    )
    db.execute(
        f"UPDATE conversations SET snippet = '' WHERE {_STEP_CONVERSATIONS}", (account_id, keys)
    )
    return blanked.rowcount


def _messages_of(account_id: str | None, since: datetime | None) -> tuple[str, list[object]]:
    """The WHERE of an export: one account's messages or all, from a moment on or all."""
    where = "WHERE 1"
    params: list[object] = []
    if account_id is not None:
        where += " AND m.account_id = ?"
        params.append(account_id)
    if since is not None:
        where += " AND m.created_at >= ?"
        params.append(to_ms(since))
    return where, params


def _search(
    db: sqlite3.Connection, parsed: ParsedQuery, limit: int, check_pending: bool
) -> list[SearchHit] | None:
    """The whole search, run on the database thread (plain sqlite3, plain tuples).

    ``None`` when ``check_pending`` and messages wait for the index: index them, then ask
    again with ``check_pending=False``.
    """
    cur = db.cursor()
    cur.row_factory = None
    match = parsed.fts()
    rows: list[tuple[Any, ...]] | None = None
    if match is not None:
        if check_pending and cur.execute(_PENDING).fetchone()[0]:
            return None
        # Guess few matches (a rare word): one statement finds, counts and sorts them.
        sql, params = _search_sql(parsed, fts_first=True)
        rows = cur.execute(sql, [*params, limit]).fetchall()
        if not rows:  # none, none left by the filters, or too many to sort: which one?
            count = cur.execute(_COUNT, (match, FEW_MATCHES + 1)).fetchone()[0]
            if count > FEW_MATCHES:
                rows = _narrowed_first(cur, parsed, match, limit)
                if rows is None:
                    rows = _newest_matches(cur, parsed, match, limit)
                if rows is None:
                    sql, params = _search_sql(parsed)
                    rows = cur.execute(sql, [*params, limit]).fetchall()
    else:
        rows = _narrowed_first(cur, parsed, None, limit)
        if rows is None:
            sql, params = _search_sql(parsed)
            rows = cur.execute(sql, [*params, limit]).fetchall()
    found = span_finder(parsed.terms)
    waiting = _outbox_matches(cur, parsed)
    # The hits' conversations, each read once (a rare word's hits are often in one
    # conversation; joined to every hit row, the same columns came back many times).
    conversations = read_conversations(
        cur, {(m.account_id, m.conversation_id) for m in waiting} | {(r[1], r[3]) for r in rows}
    )
    hits: list[SearchHit] = []
    for m in waiting:
        conversation = conversations.get((m.account_id, m.conversation_id))
        if parsed.platforms and str(getattr(conversation, "platform", "")) not in parsed.platforms:
            continue
        # Replies not sent yet come first: they are what the user may still act on.
        hits.append(SearchHit(m, conversation, found(m.text), outbox=True))
    for row in rows[: max(limit - len(hits), 0)]:
        message = message_from_values(row)
        key = (message.account_id, message.conversation_id)
        hits.append(SearchHit(message, conversations.get(key), found(message.text)))
    return hits[:limit]


def _outbox_matches(cur: sqlite3.Cursor, parsed: ParsedQuery) -> list[InboxMessage]:
    """Replies still in the outbox (queued, sending, failed, unknown) the query matches,
    newest first, as messages of ours; the outbox is small, so they are matched here."""
    if not parsed.terms or parsed.senders or parsed.labels:
        return []
    sql = (
        "SELECT id, account_id, conversation_id, created_at, text FROM outbox "
        "WHERE action = 'text' AND state != 'sent'"
    )
    params: list[object] = []
    if parsed.accounts:
        sql += f" AND account_id IN ({','.join('?' * len(parsed.accounts))})"
        params += parsed.accounts
    found: list[InboxMessage] = []
    for id_, account_id, conversation_id, created_at, text in cur.execute(
        sql + " ORDER BY id DESC LIMIT 500", params
    ).fetchall():
        text = text or ""
        at = from_ms(created_at)
        if parsed.before is not None and at >= parsed.before:
            continue
        if parsed.after is not None and at < parsed.after:
            continue
        if not _all_terms(text, parsed):
            continue
        found.append(
            InboxMessage(
                account_id=account_id,
                remote_id=f"outbox:{id_}",
                conversation_id=conversation_id,
                sender_id="",
                created_at=at,
                text=text,
                from_us=True,
            )
        )
    return found


def _narrowed_first(
    cur: sqlite3.Cursor, parsed: ParsedQuery, match: str | None, limit: int
) -> list[tuple[Any, ...]] | None:
    """A filter that leaves few messages (an account, a platform, a label, a sender):
    those messages found first, then checked against the words and every filter, and
    sorted as the other plans sort.

    Walking the time index for them read every message when they were a few of a
    million: 0.3-1.5 s on the benchmark store, holding the database thread. ``None``: no
    filter leaves at most ``FEW_MATCHES`` messages (the walk meets the newest sooner).
    """
    ids = _few_candidates(cur, parsed)
    if ids is None:
        return None
    clauses, params = _filters(parsed)
    if match is not None:
        # One indexed lookup per candidate: for a common word, far cheaper than listing
        # every message that has it.
        clauses.insert(
            0, "EXISTS (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? AND rowid = m.id)"
        )
        params.insert(0, match)
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    return cur.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM json_each(?) s CROSS JOIN messages m ON m.id = s.value "
        f"{_JOIN_CONVERSATION}{where}ORDER BY m.created_at DESC, m.remote_id DESC LIMIT ?",
        [json.dumps(ids), *params, limit],
    ).fetchall()


def _few_candidates(cur: sqlite3.Cursor, parsed: ParsedQuery) -> list[int] | None:
    """The ids of at most ``FEW_MATCHES`` messages among which every hit is, when one of the
    filters leaves that few; ``None`` when none does.

    Each filter alone gives a superset of the hits; the cheapest are asked first, and each
    read stops at its limit, so a filter that leaves many costs little to try.
    """
    probes: list[tuple[str, list[object]]] = []
    if parsed.accounts:
        marks = ",".join("?" * len(parsed.accounts))
        probes.append(
            (f"SELECT id FROM messages WHERE account_id IN ({marks})", [*parsed.accounts])
        )
    # Whole conversations: the platform, a label; found in the conversations, then their
    # messages through the thread index.
    clauses, params = _conversation_filters(parsed)
    if clauses:
        probes.append(
            (
                "SELECT m.id FROM conversations c CROSS JOIN messages m "
                "ON m.account_id = c.account_id AND m.conversation_id = c.remote_id "
                f"WHERE {' AND '.join(clauses)}",
                params,
            )
        )
    for sql, values in probes:
        rows = cur.execute(f"{sql} LIMIT ?", [*values, 2 * FEW_MATCHES + 1]).fetchall()
        ids = {row[0] for row in rows}
        if len(ids) <= FEW_MATCHES:
            return sorted(ids)
    return _sender_candidates(cur, parsed.senders) if parsed.senders else None


def _sender_candidates(cur: sqlite3.Cursor, senders: Sequence[str]) -> list[int] | None:
    """The ``from:`` probe: the messages of the senders that match in the conversations
    they wrote in (the ``senders`` table, then the thread index), and the customer's
    messages in conversations found by name; ``None`` when that leaves too many.

    The senders table is read once; a sender found in more conversations than
    ``FEW_MATCHES`` has more messages too, and is left to the walk at once.
    """
    own: list[str] = []
    named: list[str] = []
    mine: list[object] = []
    theirs: list[object] = []
    for sender in senders:
        own.append("sender_id = ? OR sender_name LIKE ? ESCAPE '\\'")
        mine += [sender, _like(sender)]
        named.append("c.customer_name LIKE ? ESCAPE '\\'")
        theirs.append(_like(sender))
    found = cur.execute(
        f"SELECT DISTINCT account_id, conversation_id, sender_id FROM senders "
        f"WHERE {' OR '.join(own)} LIMIT ?",
        [*mine, FEW_MATCHES + 1],
    ).fetchall()
    if len(found) > FEW_MATCHES:
        return None
    # Each (account, conversation, sender) once, so each of their messages comes once;
    # with the customer's by name, at most twice: UNION ALL (which, unlike UNION, stops
    # reading at the LIMIT) under a doubled LIMIT.
    rows = cur.execute(
        "SELECT m.id FROM json_each(?) k CROSS JOIN messages m "
        "ON m.account_id = json_extract(k.value, '$[0]') "
        "AND m.conversation_id = json_extract(k.value, '$[1]') "
        "WHERE m.sender_id = json_extract(k.value, '$[2]') "
        "UNION ALL SELECT m.id FROM conversations c CROSS JOIN messages m "
        "ON m.account_id = c.account_id AND m.conversation_id = c.remote_id "
        f"WHERE ({' OR '.join(named)}) AND m.from_us = 0 LIMIT ?",
        [json.dumps([tuple(r) for r in found]), *theirs, 2 * FEW_MATCHES + 1],
    ).fetchall()
    ids = {row[0] for row in rows}
    return sorted(ids) if len(ids) <= FEW_MATCHES else None


def _newest_matches(
    cur: sqlite3.Cursor, parsed: ParsedQuery, match: str, limit: int
) -> list[tuple[Any, ...]] | None:
    """Many matches: the newest ``limit`` of them, found from the newest rowids.

    Rowids grow with insertion, which mostly follows time, so the FTS index's newest
    rowids hold nearly all of the newest matches. To stay exact, every message at
    least as new as the last candidate but with an older rowid (history backfilled
    late) is checked too, one indexed FTS lookup each. ``None`` means: this shortcut
    does not apply, walk the time index instead.
    """
    clauses, params = _filters(parsed)
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    candidates = cur.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM (SELECT rowid AS hit FROM messages_fts "
        "WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f "
        f"CROSS JOIN messages m ON m.id = f.hit {_JOIN_CONVERSATION}{where}",
        [match, NEWEST_CANDIDATES, *params],
    ).fetchall()
    if len(candidates) < limit:
        return None  # the filters threw out too many: the walk is the sure way
    _newest_first(candidates)
    floor = candidates[limit - 1][_CREATED_AT]
    lowest = min(row[_ID] for row in candidates)
    late_clauses = [
        "m.created_at >= ?",
        "m.id < ?",
        "EXISTS (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? AND rowid = m.id)",
        *clauses,
    ]
    late = cur.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages m INDEXED BY messages_time "
        f"{_JOIN_CONVERSATION}WHERE {' AND '.join(late_clauses)} LIMIT ?",
        [floor, lowest, match, *params, LATE_CHECK_CAP + 1],
    ).fetchall()
    if len(late) > LATE_CHECK_CAP:
        return None
    merged = list({row[_ID]: row for row in [*candidates, *late]}.values())
    _newest_first(merged)
    return merged[:limit]


NEWEST_CANDIDATES = 400
"""How many of the newest FTS rowids are read as candidates when a search matches many."""
LATE_CHECK_CAP = 2000
"""Past this many late-inserted matches newer than the candidates, walk the time index."""
_JOIN_CONVERSATION = (
    "LEFT JOIN conversations c ON c.account_id = m.account_id AND c.remote_id = m.conversation_id "
)


_ID, _REMOTE_ID, _CREATED_AT = 0, 2, 6
"""Positions in a hit row (MESSAGE_COLUMNS) of id, remote_id and created_at."""


def _newest_first(rows: list[tuple[Any, ...]]) -> None:
    """Sort as the SQL does: created_at DESC, then remote_id DESC (two stable passes)."""
    rows.sort(key=lambda row: str(row[_REMOTE_ID]), reverse=True)
    rows.sort(key=lambda row: int(row[_CREATED_AT]), reverse=True)


FEW_MATCHES = 5000
"""Up to this many matches, the FTS index drives the search and the hits are sorted;
beyond it, walking the time index newest first finds ``limit`` hits sooner."""
_PENDING = "SELECT EXISTS (SELECT 1 FROM fts_pending)"
"""Whether committed messages (of this or another process) wait to be indexed."""
_COUNT = "SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?)"


def _search_sql(parsed: ParsedQuery, *, fts_first: bool = False) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    match = parsed.fts()
    if match is not None and fts_first:
        # The matches are read once (MATERIALIZED), counted, and past FEW_MATCHES the
        # statement stops before its first lookup (a constant condition) and returns no
        # row: the caller then counts and walks the time index instead. CROSS JOIN keeps
        # SQLite from reordering: the few FTS hits drive the lookups.
        prefix = (
            "WITH f AS MATERIALIZED (SELECT rowid AS hit FROM messages_fts "
            "WHERE messages_fts MATCH ? LIMIT ?) "
        )
        source = "f CROSS JOIN messages m ON m.id = f.hit"
        clauses.append("(SELECT count(*) FROM f) <= ?")
        params += [match, FEW_MATCHES + 1, FEW_MATCHES]
    else:
        prefix = ""
        source = "messages m INDEXED BY messages_time"
        if match is not None:
            clauses.append("m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)")
            params.append(match)
    more_clauses, more_params = _filters(parsed)
    clauses += more_clauses
    params += more_params
    # Many matches: walking the time index newest first and stopping at ``limit`` costs at
    # most one index pass; letting SQLite sort every match took 4x longer for common words.
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    sql = (
        f"{prefix}SELECT {MESSAGE_COLUMNS} FROM {source} {_JOIN_CONVERSATION}"
        f"{where}ORDER BY m.created_at DESC, m.remote_id DESC LIMIT ?"
    )
    return sql, params


def _filters(parsed: ParsedQuery) -> tuple[list[str], list[object]]:
    """The SQL conditions of ``from:``, ``platform:``, ``account:``, ``before:``, ``after:``."""
    clauses: list[str] = []
    params: list[object] = []
    if parsed.senders:
        ors = []
        for sender in parsed.senders:
            like = _like(sender)
            ors.append(
                "(m.sender_id = ? OR m.sender_name LIKE ? ESCAPE '\\' "
                "OR (m.from_us = 0 AND c.customer_name LIKE ? ESCAPE '\\'))"
            )
            params += [sender, like, like]
        clauses.append("(" + " OR ".join(ors) + ")")
    if parsed.accounts:
        clauses.append(f"m.account_id IN ({','.join('?' * len(parsed.accounts))})")
        params += parsed.accounts
    more, values = _conversation_filters(parsed)
    clauses += more
    params += values
    if parsed.before is not None:
        clauses.append("m.created_at < ?")
        params.append(to_ms(parsed.before))
    if parsed.after is not None:
        clauses.append("m.created_at >= ?")
        params.append(to_ms(parsed.after))
    return clauses, params


def _conversation_filters(parsed: ParsedQuery) -> tuple[list[str], list[object]]:
    """The conditions on the whole conversation: ``platform:`` and ``label:``."""
    clauses: list[str] = []
    params: list[object] = []
    if parsed.platforms:
        clauses.append(f"c.platform IN ({','.join('?' * len(parsed.platforms))})")
        params += parsed.platforms
    for label in parsed.labels:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(c.labels) WHERE lower(json_each.value) = lower(?))"
        )
        params.append(label)
    return clauses, params


def _like(text: str) -> str:
    """A LIKE pattern (``ESCAPE '\\'``) that finds ``text`` anywhere, its wildcards literal."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def _rebuild_index_segments(db: aiosqlite.Connection) -> None:
    # FTS5 records deletions as tombstones beside the old segments, which still hold the
    # words; merging everything into one fresh segment frees those pages, and
    # secure_delete zeroes them, so purged text is really gone from the file.
    await db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")


def _all_terms(text: str, parsed: ParsedQuery) -> bool:
    """Every word or phrase of the query is in ``text`` (as the full-text index requires)."""
    return all(spans(text, [term]) for term in parsed.terms)
