"""The store's schema as numbered migrations, applied in order by ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3

import aiosqlite

# Each step runs once, in its own transaction, and bumps user_version to its index + 1.
# Never edit a released step: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: conversations, messages, full-text index, cursors, outbox, activity, quarantine.
    """
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        display_name TEXT NOT NULL DEFAULT '',
        vip INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        customer_id TEXT NOT NULL DEFAULT '',
        customer_name TEXT NOT NULL DEFAULT '',
        customer_username TEXT NOT NULL DEFAULT '',
        name_key TEXT NOT NULL DEFAULT '',
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        updated_at INTEGER NOT NULL,
        snippet TEXT NOT NULL DEFAULT '',
        unread_count INTEGER NOT NULL DEFAULT 0,
        last_inbound_at INTEGER,
        last_from_us INTEGER NOT NULL DEFAULT 0,
        message_count INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'open',
        snoozed_until INTEGER,
        pinned INTEGER NOT NULL DEFAULT 0,
        muted INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '[]',
        UNIQUE (account_id, remote_id)
    );
    -- The inbox order (pinned, newest activity, remote id) walked straight from an index.
    CREATE INDEX conversations_order
        ON conversations (pinned DESC, updated_at DESC, remote_id, account_id);
    CREATE INDEX conversations_name_key ON conversations (name_key) WHERE name_key != '';
    CREATE INDEX conversations_person ON conversations (person_id) WHERE person_id IS NOT NULL;

    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        sender_id TEXT NOT NULL DEFAULT '',
        sender_name TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'message',
        from_us INTEGER NOT NULL DEFAULT 0,
        attachments TEXT NOT NULL DEFAULT '[]',
        reaction TEXT,
        unsupported INTEGER NOT NULL DEFAULT 0,
        UNIQUE (account_id, remote_id),
        FOREIGN KEY (account_id, conversation_id)
            REFERENCES conversations (account_id, remote_id) ON DELETE CASCADE
    );
    -- A conversation's history, newest first, keyset-paginated.
    CREATE INDEX messages_thread
        ON messages (account_id, conversation_id, created_at, remote_id);
    -- Streaming export and search results in time order.
    CREATE INDEX messages_time ON messages (created_at);

    -- External-content FTS: the text lives once, in messages; triggers keep the index exact
    -- through edits and deletes. New rows are indexed by apply_batch in one statement per
    -- batch instead of an insert trigger: FTS5 flushes its pending terms at every statement
    -- savepoint, so a per-row trigger writes one tiny segment per message (3x slower).
    -- (Step 5 moves that statement to a follow-up transaction; see fts_pending.)
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
    WHEN old.text IS NOT new.text BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
    END;

    CREATE TABLE cursors (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    ) WITHOUT ROWID;

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        recipient_id TEXT NOT NULL,
        action TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        created_at INTEGER NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        tag TEXT,
        idempotency_key TEXT NOT NULL UNIQUE,
        attempts INTEGER NOT NULL DEFAULT 0,
        remote_id TEXT,
        error TEXT
    );
    CREATE INDEX outbox_state ON outbox (state);

    CREATE TABLE activity (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        account_id TEXT,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX activity_at ON activity (at);

    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        remote_id TEXT,
        reason TEXT NOT NULL,
        payload TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    """,
    # 2: the webhook inbox (every signed event, stored before Meta gets its 200) and what
    # webhooks tell that polling cannot: edits, unsends, receipts, another app's thread.
    """
    CREATE TABLE webhook_inbox (
        id INTEGER PRIMARY KEY,
        event_key TEXT NOT NULL UNIQUE,
        object TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE INDEX webhook_inbox_pending ON webhook_inbox (state, event_time, id)
        WHERE state = 'pending';
    ALTER TABLE messages ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE conversations ADD COLUMN seen_at INTEGER;
    ALTER TABLE conversations ADD COLUMN delivered_at INTEGER;
    ALTER TABLE conversations ADD COLUMN owner_app TEXT NOT NULL DEFAULT '';
    """,
    # 3: drafts, one per conversation: a half-written reply survives Esc, quit and a crash.
    """
    CREATE TABLE drafts (
        account_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, conversation_id),
        FOREIGN KEY (account_id, conversation_id)
            REFERENCES conversations (account_id, remote_id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    """,
    # 4: quoted replies (Meta's reply_to: the quoted message's id, and whether it is the
    # sender's own message).
    """
    ALTER TABLE messages ADD COLUMN reply_to TEXT;
    ALTER TABLE messages ADD COLUMN reply_to_self INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: new messages are indexed for search in a follow-up transaction (bigger FTS5
    # inserts, 2-3x cheaper than one per batch). ``fts_pending`` lists the committed rows
    # not indexed yet, so a crash between the two transactions is repaired at the next
    # open. A row is in the index exactly when its text is not empty and it is not
    # pending; the triggers keep to that (an FTS5 'delete' of a row the index never held
    # breaks its counts, "database disk image is malformed").
    """
    CREATE TABLE fts_pending (id INTEGER PRIMARY KEY);
    DROP TRIGGER messages_fts_delete;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text)
            SELECT 'delete', old.id, old.text
            WHERE old.text != '' AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
        DELETE FROM fts_pending WHERE id = old.id;
    END;
    DROP TRIGGER messages_fts_update;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
    WHEN old.text IS NOT new.text
        AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text)
            SELECT 'delete', old.id, old.text WHERE old.text != '';
        INSERT INTO messages_fts (rowid, text) SELECT new.id, new.text WHERE new.text != '';
    END;
    """,
    # 6: the full-text index keeps no per-message token counts (``columnsize=0``): results
    # are ranked by time, never by bm25, so the ``%_docsize`` row written for every message
    # bought nothing, and indexing without it costs about a third less. The index is rebuilt
    # from the messages (a million in about two seconds), which takes in any row still
    # pending, so the list is emptied with it. The triggers of migration 5 stand.
    """
    DROP TABLE messages_fts;
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content='messages', content_rowid='id', columnsize=0,
        tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
    DELETE FROM fts_pending;
    """,
    # 7: whether an account ever answered the conversation (a message of ours is stored in
    # it), kept with the summary. The customers answered are people the user knows, whose
    # names a stranger could imitate; finding them used to look into each conversation's
    # messages (0.15-0.5 s for 50,000 conversations, holding the database thread).
    """
    ALTER TABLE conversations ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
    UPDATE conversations SET answered = 1 WHERE last_from_us = 1 OR EXISTS (
        SELECT 1 FROM messages m WHERE m.account_id = conversations.account_id
        AND m.conversation_id = conversations.remote_id AND m.from_us = 1);
    """,
    # 8: who wrote in each conversation, under every name they were stored with. A
    # ``from:`` search that leaves few messages found them by scanning the sender columns
    # of every message (0.2-0.3 s on a million, holding the database thread); it now
    # scans this table (one row per sender and name a conversation) and reads their
    # messages through the thread index. It holds at least every (sender id, name) of
    # the stored messages: written with each batch, emptied with its conversation, and
    # rows no message carries any more are dropped when messages are deleted.
    """
    CREATE TABLE senders (
        account_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        PRIMARY KEY (account_id, conversation_id, sender_id, sender_name),
        FOREIGN KEY (account_id, conversation_id)
            REFERENCES conversations (account_id, remote_id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO senders (account_id, conversation_id, sender_id, sender_name)
        SELECT DISTINCT account_id, conversation_id, sender_id, sender_name FROM messages;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(db: aiosqlite.Connection) -> int:
    """Bring the database up to ``SCHEMA_VERSION``; returns the version it started at.

    Raises:
        RuntimeError: the file was written by a newer Linkdeck (its version is higher).
    """
    async with db.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    start = int(row[0]) if row else 0
    if start > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {start} is newer than this Linkdeck ({SCHEMA_VERSION})"
        )
    for version in range(start, SCHEMA_VERSION):
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_statements(MIGRATIONS[version]):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
    return start


def split_statements(script: str) -> list[str]:
    """Split a migration into statements; trigger bodies keep their inner semicolons."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        candidate = "\n".join(current)
        if stripped.endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            current = []
    if current:
        statements.append("\n".join(current))
    return statements
