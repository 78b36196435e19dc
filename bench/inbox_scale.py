"""Inbox at scale: 1,000,000 messages in 50,000 conversations, opened in the real dashboard.

Usage: .venv/bin/python bench/inbox_scale.py [--messages 1000000] [--conversations 50000]
       [--presses 400] [--rebuild]

The database is built once with plain SQL (schema from Store.open, then bulk inserts and
an FTS rebuild) and cached under /tmp/linkdeck-inbox-scale; later runs reuse it. The app
then runs headless (``run_test``) against the simulator's accounts, paused, and the script
prints: time to first paint of the list, key-to-frame latency of ``j`` (median, p99, max,
counting the page fetches when the cursor crosses a page), ``G`` and ``g`` (jump to the end
and back), a full reload as after a live message, and one search.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events
from textual.strip import Strip

from tui.app import DashboardApp
from tui.config.paths import database_path
from tui.modals.search import SearchScreen
from tui.panes.inbox import InboxPane
from tui.services.runtime import open_runtime
from tui.simulator import SimClock, Simulator
from tui.store import Store
from tui.widgets.virtual_list import VirtualList

CACHE = Path("/tmp/linkdeck-inbox-scale")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WORDS = [
    *("order", "cake", "bread", "croissant", "delivery", "tomorrow", "morning", "price"),
    *("gluten", "vegan", "chocolate", "birthday", "thanks", "hello", "pickup", "saturday"),
    *("sourdough", "almond", "window", "open", "closed", "please"),
]
ACCOUNTS = (("demo-page", "messenger"), ("demo-ig", "instagram"), ("demo-iglogin", "instagram"))


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def create_schema(path: Path) -> None:
    store = await Store.open(path)
    await store.close()


def build(path: Path, messages: int, conversations: int) -> None:
    """Fill a fresh store file with plain SQL: far faster than a million apply_batch rows."""
    asyncio.run(create_schema(path))
    rng = random.Random(7)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    per = messages // conversations
    span = timedelta(days=60).total_seconds()
    conv_rows = []
    msg_rows = []
    for c in range(conversations):
        account, platform = ACCOUNTS[c % len(ACCOUNTS)]
        remote = f"t_{c:06d}"
        last = NOW - timedelta(seconds=rng.random() * span)
        step = timedelta(minutes=rng.randint(1, 90))
        inbound_at = None
        snippet = ""
        last_from_us = 0
        for i in range(per):
            at = last - step * (per - 1 - i)
            from_us = rng.random() < 0.4
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))
            msg_rows.append(
                (
                    account,
                    f"m_{c:06d}_{i:03d}",
                    remote,
                    "page" if from_us else f"psid_{c}",
                    "" if from_us else f"Customer {c}",
                    to_ms(at),
                    text,
                    int(from_us),
                )
            )
            if not from_us:
                inbound_at = to_ms(at)
            snippet, last_from_us = text, int(from_us)
        name = f"Customer {c}"
        conv_rows.append(
            (
                account,
                remote,
                platform,
                f"psid_{c}",
                name,
                name.casefold(),
                to_ms(last),
                snippet,
                rng.choice((0, 0, 0, 1, 2, 5)),
                inbound_at,
                last_from_us,
                per,
                int(rng.random() < 0.002),
            )
        )
        if len(msg_rows) >= 100_000:
            _flush(db, conv_rows, msg_rows)
    _flush(db, conv_rows, msg_rows)
    # Every 50th customer also wrote from another account: 1,000 people of two conversations.
    pairs = [(c // 50 + 1, c) for c in range(0, conversations - 1, 50)]
    db.executemany(
        "INSERT INTO people (id, display_name) VALUES (?, ?)",
        [(p, f"Customer {c}") for p, c in pairs],
    )
    db.executemany(
        "UPDATE conversations SET person_id = ? WHERE remote_id IN (?, ?)",
        [(p, f"t_{c:06d}", f"t_{c + 1:06d}") for p, c in pairs],
    )
    db.execute("COMMIT")
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()


def _flush(db: sqlite3.Connection, conv_rows: list[tuple], msg_rows: list[tuple]) -> None:
    db.executemany(
        "INSERT INTO conversations (account_id, remote_id, platform, customer_id, customer_name,"
        " name_key, updated_at, snippet, unread_count, last_inbound_at, last_from_us,"
        " message_count, pinned) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        conv_rows,
    )
    db.executemany(
        "INSERT INTO messages (account_id, remote_id, conversation_id, sender_id, sender_name,"
        " created_at, text, from_us) VALUES (?,?,?,?,?,?,?,?)",
        msg_rows,
    )
    conv_rows.clear()
    msg_rows.clear()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(data_dir: Path, presses: int) -> None:
    sim = Simulator(7, clock=SimClock.fixed(NOW))
    scratch = Path(tempfile.mkdtemp(prefix="linkdeck-scale-"))
    config = sim.write_config(scratch / "config", "http://sim.test")
    runtime = await open_runtime(config, data_dir, transport=sim.transport())
    runtime.engine.clock = sim.clock.now
    for account_id in runtime.engine.accounts:
        runtime.engine.pause(account_id)  # measure the list, not a sync
    app = DashboardApp(runtime=runtime, user_themes_dir=scratch / "themes")
    started = time.perf_counter()
    try:
        async with app.run_test(size=(120, 40)) as pilot:

            async def until(predicate: object, limit: float = 30.0) -> None:
                deadline = time.perf_counter() + limit
                while not predicate():  # type: ignore[operator]
                    if time.perf_counter() > deadline:
                        raise TimeoutError
                    await asyncio.sleep(0.0005)

            await until(lambda: bool(app.query(InboxPane)))
            pane = app.query_one(InboxPane)
            lst = app.query_one("#inbox-list", VirtualList)
            drawn: dict[str, float] = {}
            draw_line = lst.render_line

            def spy(y: int) -> Strip:
                # Stamp the moment the highlighted row is drawn with its real content.
                strip = draw_line(y)
                if lst.scroll_offset.y + y == lst.cursor and lst.cursor_key is not None:
                    drawn.setdefault("at", time.perf_counter())
                return strip

            lst.render_line = spy  # type: ignore[method-assign]
            await until(lambda: "at" in drawn)
            first_paint = drawn["at"] - started
            await until(lambda: pane.refreshes >= 1)
            await pilot.pause()
            print(f"rows in the list: {lst.row_count:,}")
            print(f"first paint (app start -> first rows drawn): {first_paint * 1000:.0f} ms")

            async def key_to_frame(key: str, character: str | None = None) -> float:
                drawn.clear()
                t = time.perf_counter()
                app.post_message(events.Key(key, character))
                await until(lambda: "at" in drawn)
                return drawn["at"] - t

            await key_to_frame("j", "j")  # warm up
            js = [await key_to_frame("j", "j") for _ in range(presses)]
            print(
                f"j x{presses} (crossing {presses // 200} page fetches): "
                f"median {statistics.median(js) * 1000:.2f} ms, "
                f"p99 {pct(js, 0.99) * 1000:.2f} ms, max {max(js) * 1000:.2f} ms"
            )
            jump_end = await key_to_frame("G", "G")
            jump_top = await key_to_frame("g", "g")
            print(
                f"G (to row {lst.row_count:,}): {jump_end * 1000:.1f} ms, "
                f"g (back to top): {jump_top * 1000:.1f} ms"
            )
            pages = [await key_to_frame("pagedown") for _ in range(50)]
            print(
                f"pagedown x50: median {statistics.median(pages) * 1000:.1f} ms, "
                f"p99 {pct(pages, 0.99) * 1000:.1f} ms"
            )
            reloads = []
            for _ in range(10):
                drawn.clear()
                before = pane.refreshes
                t = time.perf_counter()
                pane.reload()  # what a live MessagesArrived event does
                await until(lambda b=before: pane.refreshes > b)  # type: ignore[misc]
                await until(lambda: "at" in drawn)
                reloads.append(drawn["at"] - t)
            print(
                f"reload after a live event (wake snoozed, count, find the cursor's row, "
                f"redraw): median {statistics.median(reloads) * 1000:.1f} ms, "
                f"max {max(reloads) * 1000:.1f} ms"
            )
            grouped_from = pane.refreshes
            t = time.perf_counter()
            await pilot.press("P")
            await until(lambda: pane.refreshes > grouped_from and lst.cursor_key is not None)
            await pilot.pause()
            print(f"group by person (P): {(time.perf_counter() - t) * 1000:.0f} ms")
            await pilot.press("P")
            await pilot.press("slash")
            await until(lambda: isinstance(app.screen, SearchScreen))
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            t = time.perf_counter()
            screen.run_search("sourdough chocolate", delay=0)
            await until(lambda: screen.searches > 0)
            await pilot.pause()
            print(
                f"search 'sourdough chocolate' ({screen.source.count()} hits shown): "
                f"{(time.perf_counter() - t) * 1000:.0f} ms"
            )
    finally:
        await runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--presses", type=int, default=400)
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached database")
    args = parser.parse_args()
    data_dir = CACHE / f"{args.messages}-{args.conversations}"
    path = database_path(data_dir)
    if args.rebuild and path.exists():
        for side in ("", "-wal", "-shm"):
            path.with_name(path.name + side).unlink(missing_ok=True)
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        t = time.perf_counter()
        build(path, args.messages, args.conversations)
        print(
            f"built {args.messages:,} messages in {args.conversations:,} conversations "
            f"in {time.perf_counter() - t:.0f} s ({path.stat().st_size / 1e6:.0f} MB)"
        )
    asyncio.run(measure(data_dir, args.presses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
