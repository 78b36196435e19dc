"""Search: any typed string is safe, filters narrow, spans point at the words, FTS stays exact."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.conftest import conv, msg
from tui.domain.models import Platform
from tui.store import Store, maintenance
from tui.store.base import conversations_by_key_sql
from tui.store.search import parse, tokenize

M = Platform.MESSENGER
IG = Platform.INSTAGRAM


@pytest.fixture(params=["fts-first", "time-index"])
async def filled(
    store: Store, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """Every search test runs on both plans: few matches (the FTS index drives) and many
    (the time index is walked newest first), which must give the same answers."""
    if request.param == "time-index":
        monkeypatch.setattr("tui.store.maintenance.FEW_MATCHES", 0)
    await store.apply_batch(
        "bakery",
        platform=M,
        conversations=[conv("t_1", "Ana Silva"), conv("t_2", "Bruno Costa", customer_id="p2")],
        messages=[
            msg("m1", "Do you have a chocolate cake?", minute=1),
            msg("m2", "Yes, chocolate cake for Saturday", minute=2, from_us=True),
            msg("m3", "Pão de queijo e café", conv="t_2", sender="p2", name="Bruno", minute=3),
            msg("m4", "an old message", minute=-60 * 24 * 30),
        ],
    )
    await store.apply_batch(
        "bakery-ig",
        platform=IG,
        messages=[
            msg("i1", "Is the CHOCOLATE vegan?", account="bakery-ig", conv="ig_1", minute=4),
        ],
    )
    return store


async def test_words_match_whole_and_newest_first(filled: Store) -> None:
    hits = await filled.search("chocolate")
    assert [h.message.remote_id for h in hits] == ["i1", "m2", "m1"]
    assert all(h.conversation is not None for h in hits)
    assert await filled.search("choc") == []
    assert [h.message.remote_id for h in await filled.search("choc*")] == ["i1", "m2", "m1"]


async def test_spans_point_at_matched_words(filled: Store) -> None:
    hits = await filled.search("chocolate cake")
    texts = {h.message.remote_id: h for h in hits}
    assert set(texts) == {"m1", "m2"}
    hit = texts["m2"]
    assert [hit.message.text[a:b] for a, b in hit.spans] == ["chocolate", "cake"]
    upper = (await filled.search("chocolate"))[0]
    assert [upper.message.text[a:b] for a, b in upper.spans] == ["CHOCOLATE"]
    accented = await filled.search("cafe pao")
    assert [accented[0].message.text[a:b] for a, b in accented[0].spans] == ["Pão", "café"]


async def test_quoted_phrase(filled: Store) -> None:
    assert [h.message.remote_id for h in await filled.search('"chocolate cake"')] == ["m2", "m1"]
    assert await filled.search('"cake chocolate"') == []


async def test_filters(filled: Store) -> None:
    async def ids(query: str) -> list[str]:
        return [h.message.remote_id for h in await filled.search(query)]

    assert await ids("chocolate platform:instagram") == ["i1"]
    assert await ids("chocolate platform:MESSENGER") == ["m2", "m1"]
    assert await ids("chocolate account:bakery") == ["m2", "m1"]
    assert await ids("from:bruno") == ["m3"]
    assert await ids('from:"ana silva" chocolate') == ["i1", "m1"]
    assert await ids("before:2026-11-01") == ["m4"]
    assert await ids("after:2026-11-20 account:bakery") == ["m3", "m2", "m1"]
    assert await ids("after:2026-11-21") == []
    # Not a filter: an unknown key, a bad date or platform stays plain text.
    assert await ids("colour:red") == []
    assert await ids("before:soon") == []
    assert await ids("platform:fax") == []


async def test_limit(filled: Store) -> None:
    assert len(await filled.search("chocolate", limit=2)) == 2
    assert await filled.search("chocolate", limit=0) == []


HOSTILE = [
    '"',
    '""',
    "'",
    "AND",
    "OR",
    "NOT x",
    "NEAR(a b)",
    "*",
    "a*",
    "col:x",
    "text:hi",
    "(",
    ")",
    "^",
    "",
    "   \t ",
    "\ud800",
    "cake \udfff chocolate",
    "chocolate AND",
    "- + : { } [ ]",
    "\x00",
    "chocolate*:*",
    'from:"',
    "from:",
    "NEAR(chocolate cake, 3)",
    "text: chocolate",
    # Filters read first (few messages): their values reach LIKE patterns and IN lists.
    "from:%",
    "from:_ chocolate",
    "from:\\ cake",
    'from:"\x00" label:"',
    "from:" + "a" * 10_000,
    "account:\ud800 chocolate",
    "label:%_ from:ana platform:INSTAGRAM",
    "platform:matrix chocolate",
    " ".join(f"from:x{n}" for n in range(200)),
    " ".join(f"account:a{n} label:l{n}" for n in range(200)),
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_raise(filled: Store, query: str) -> None:
    hits = await filled.search(query)
    for hit in hits:
        for start, end in hit.spans:
            assert 0 <= start < end <= len(hit.message.text)


async def test_a_broken_index_is_an_error_not_an_empty_answer(filled: Store, db_path: Path) -> None:
    """Odd queries find nothing; a database that cannot search raises, so the screen says
    the search failed instead of "no messages match"."""
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TABLE messages_fts")
    with pytest.raises(sqlite3.OperationalError, match="messages_fts"):
        await filled.search("chocolate")


async def test_operators_are_plain_words(filled: Store) -> None:
    await filled.apply_batch(
        "bakery", platform=M, messages=[msg("w1", "NOT today OR tomorrow", minute=9)]
    )
    assert [h.message.remote_id for h in await filled.search("NOT")] == ["w1"]
    assert [h.message.remote_id for h in await filled.search("today OR")] == ["w1"]


async def test_random_ten_kilobyte_strings_never_raise(filled: Store) -> None:
    rng = random.Random(1234)
    alphabet = "abc \"()*:^-+NEAROTD\\'\x00\ud800é 漢"
    for _ in range(5):
        query = "".join(rng.choice(alphabet) for _ in range(10_240))
        assert isinstance(await filled.search(query), list)
    assert len(parse("a " * 5000).terms) <= 32


async def test_fts_follows_edits_and_deletes(store: Store) -> None:
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "apple pie", minute=1)])
    assert len(await store.search("apple")) == 1
    await store.apply_batch("bakery", platform=M, messages=[msg("m1", "banana bread", minute=1)])
    assert await store.search("apple") == []
    hits = await store.search("banana")
    assert [h.message.text for h in hits] == ["banana bread"]
    assert await store.delete_message("bakery", "m1") is True
    assert await store.delete_message("bakery", "m1") is False
    assert await store.search("banana") == []
    c = await store.get_conversation("bakery", "t_1")
    assert c is not None and c.message_count == 0 and c.snippet == ""
    # The index agrees with the table after all this.
    await store._db.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(alphabet=st.characters(codec=None), max_size=200))
async def test_any_text_is_a_valid_query(filled: Store, query: str) -> None:
    hits = await filled.search(query)
    assert all(0 <= a < b <= len(h.message.text) for h in hits for a, b in h.spans)


async def test_many_matches_shortcut_is_exact_even_with_late_backfill(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old history stored after new messages (a backfill) must still sort by time."""
    rng = random.Random(3)
    minutes = list(range(300))
    rng.shuffle(minutes)
    for chunk in range(0, 300, 50):  # inserted in shuffled time order, batch by batch
        await store.apply_batch(
            "bakery",
            platform=M,
            messages=[
                msg(f"m{m:03d}", f"cake order number {m}", minute=m)
                for m in minutes[chunk : chunk + 50]
            ],
        )
    monkeypatch.setattr("tui.store.maintenance.FEW_MATCHES", 10_000)
    reference = {
        limit: [h.message.remote_id for h in await store.search("cake", limit)]
        for limit in (1, 7, 40)
    }
    assert reference[7] == [f"m{m:03d}" for m in range(299, 292, -1)]
    monkeypatch.setattr("tui.store.maintenance.FEW_MATCHES", 0)
    for candidates in (5, 40, 400):
        monkeypatch.setattr("tui.store.maintenance.NEWEST_CANDIDATES", candidates)
        for limit, expected in reference.items():
            got = [h.message.remote_id for h in await store.search("cake", limit)]
            assert got == expected, (candidates, limit)


async def test_narrowing_filters_find_the_same_hits_first_as_by_the_time_walk(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filter that leaves few messages (account, platform, label, sender) reads those
    first instead of walking every message; both ways give the same hits in the same
    order, with words and the other filters too."""
    rng = random.Random(11)
    people = [
        ("bakery", M, "p1", "Ana Silva"),
        ("bakery", M, "p2", "Bruno 50%_off"),
        ("bakery", M, "p3", "Ana Banana"),
        ("bakery", M, "p4", "Zé"),
        ("bakery-ig", IG, "i1", "Ana Insta"),
        ("bakery-ig", IG, "i2", "Dora"),
    ]
    words = ["cake", "bread", "order", "zanzibar"]
    batches: dict[str, list[Any]] = {"bakery": [], "bakery-ig": []}
    for n in range(400):
        c = rng.choice([0, 0, 1, 1, 2, 2, 3, 3, 4, 5])  # Instagram: one message in five
        account, _platform, pid, name = people[c]
        ours = rng.random() < 0.3
        batches[account].append(
            msg(
                f"m{n:03d}",
                " ".join(rng.choice(words) for _ in range(3)),
                account=account,
                conv=f"t_{c}",
                minute=rng.randrange(-60, 50),  # many share a minute: the ties order too
                from_us=ours,
                sender="page" if ours else pid,
                # An agent of ours names the sender; some customers' messages name nobody
                # (only their conversation says who wrote).
                name=rng.choice(["Bakery", "Carla Agent"]) if ours else rng.choice([name, ""]),
            )
        )
    for account, platform in (("bakery", M), ("bakery-ig", IG)):
        mine = [
            conv(f"t_{n}", name, account=account, customer_id=pid, platform=platform)
            for n, (owner, _p, pid, name) in enumerate(people)
            if owner == account
        ]
        for chunk in range(0, len(batches[account]), 100):
            await store.apply_batch(
                account,
                platform=platform,
                conversations=mine if chunk == 0 else [],
                messages=batches[account][chunk : chunk + 100],
            )
    await store.set_labels("bakery", "t_3", ["VIP"])
    await store.set_labels("bakery-ig", "t_5", ["vip", "wholesale"])
    queries = [
        "from:ana",
        "from:banana cake",
        'from:"50%_off"',
        "from:50%x",
        "from:p2 order",
        "from:carla",
        "from:bakery zanzibar",
        "from:ze bread",
        "from:nobody",
        "from:ana from:bruno bread",
        "from:ana after:2026-11-25 order",
        "from:ana platform:instagram",
        "platform:instagram",
        "platform:instagram order",
        "account:bakery-ig cake",
        "account:bakery-ig from:dora",
        "account:bakery order",
        "platform:messenger",
        "label:vip",
        "label:vip bread",
        "label:wholesale platform:messenger",
        "label:nothing",
        "account:nobody cake",
    ]

    async def ids(query: str, limit: int) -> list[str]:
        return [h.message.remote_id for h in await store.search(query, limit)]

    # Up to 120 matches "few": each word has more (about 230), so a query with a word goes
    # by its filter when that leaves at most 120 (if not, FTS-first or walked).
    monkeypatch.setattr("tui.store.maintenance.FEW_MATCHES", 120)
    plans: list[str] = []
    real = maintenance._narrowed_first

    def spy(cur: Any, parsed: Any, match: str | None, limit: int) -> Any:
        rows = real(cur, parsed, match, limit)
        plans.append("narrowed" if rows is not None else "walk")
        return rows

    monkeypatch.setattr("tui.store.maintenance._narrowed_first", spy)
    narrowed = {(q, n): await ids(q, n) for q in queries for n in (5, 200)}
    assert plans.count("narrowed") >= 30 and "walk" in plans
    # None allowed: the time index is walked.
    monkeypatch.setattr("tui.store.maintenance.FEW_MATCHES", 0)
    walked = {(q, n): await ids(q, n) for q in queries for n in (5, 200)}
    assert narrowed == walked
    for query in ("from:ana", 'from:"50%_off"', "platform:instagram order", "label:vip bread"):
        assert narrowed[(query, 200)], query
    for query in ("from:nobody", "from:50%x", "label:nothing", "account:nobody cake"):
        assert narrowed[(query, 200)] == [], query


async def test_a_search_is_one_trip_to_the_database_thread(
    filled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe, the hits, their conversations and the outbox are read in one hand-off to
    aiosqlite's thread (each trip costs about as much as a rare word's whole query)."""
    await filled.search("chocolate")  # anything pending is indexed by now
    trips: list[object] = []
    execute = filled._db._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(fn)
        return await execute(fn, *args, **kwargs)

    monkeypatch.setattr(filled._db, "_execute", counted)
    hits = await filled.search("chocolate")
    assert [h.message.remote_id for h in hits] == ["i1", "m2", "m1"]
    assert {h.conversation.remote_id for h in hits if h.conversation} == {"t_1", "ig_1"}
    assert len(trips) == 1
    trips.clear()
    assert await filled.search("nothingmatchesthis") == []
    assert len(trips) == 1


async def test_code_on_the_database_thread_runs_in_order_with_the_other_statements(
    store: Store,
) -> None:
    """``_on_db_thread`` (the store's one use of aiosqlite's private queue) runs on the
    connection's own thread, after what was sent before it and before what comes after."""
    loop_thread = threading.get_ident()

    def read(db: sqlite3.Connection) -> tuple[int, object]:
        # A temporary table lives in one connection only: found, it is the store's own.
        row = db.execute("SELECT x FROM temp.early").fetchone()
        return threading.get_ident(), row[0] if row else None

    async def write() -> None:
        await store._db.execute("CREATE TEMP TABLE early AS SELECT 'written first' AS x")

    # Both sent before either is awaited: the write is queued first, so it runs first.
    wrote = asyncio.ensure_future(write())
    reading = asyncio.ensure_future(store._on_db_thread(read))
    await wrote
    thread, seen = await reading
    assert thread != loop_thread
    assert seen == "written first"


def test_conversations_are_read_by_key_not_by_scanning_them_all(db_path: Path) -> None:
    """Many (account, conversation) pairs at once are still one index lookup each: with
    ``IN (VALUES ...)`` SQLite scanned all 50,000 conversations (20 ms) for 10 hits."""

    async def make() -> None:
        await (await Store.open(db_path)).close()

    asyncio.run(make())
    db = sqlite3.connect(db_path)
    try:
        for count in (1, 10, 200):
            plan = db.execute(
                "EXPLAIN QUERY PLAN " + conversations_by_key_sql(count), ["a", "r"] * count
            ).fetchall()
            steps = [str(row[-1]) for row in plan]
            assert not any(step.startswith("SCAN c") for step in steps), steps
            assert any(step.startswith("SEARCH c USING INDEX") for step in steps), steps
    finally:
        db.close()


@given(st.text(max_size=40))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_query_words_split_where_the_index_splits_them(text: str) -> None:
    """Letters, digits and marks make words, anything else separates them, whatever the
    text (ASCII takes a shorter way to the same words)."""
    words: list[str] = []
    current = ""
    for ch in text:
        if ch.isalnum() or unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Co":
            current += ch
        elif current:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    assert tokenize(text) == words
