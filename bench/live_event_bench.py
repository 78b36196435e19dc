"""A live event against a key: one incoming message until the inbox shows it, beside ``j``.

The dashboard runs for real (``python -m tui``) in a 120x40 pty, attached to a service
that this process runs on a copy of the cached store (accounts paused: nothing syncs).
Each round, alternating in the same pty:

- ``j``: from writing the key to the end of the frame it causes (as in the inbox row);
- a live event: one new message is stored in the newest conversation (the top row) and
  the service announces it (``ConversationsChanged``, as a sync or webhook does); timed
  from the announcement to the end of the frame that shows the message's text;
- ``k`` (not timed) puts the cursor back, so the top row stays in view.

Goal (issue 16, goal 3): the event's median <= 1.0x the ``j`` median of the same run
(after :data:`WARMUP` rounds that are not counted).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bench.common import Result, median, percentile
from bench.dataset import cached_store, copy_store
from bench.inbox_bench import paused_config
from bench.pty_run import SYNC_END, PtyApp, visible

GOAL_RATIO = 1.0
WARMUP = 3
"""Rounds run first and not counted: the dashboard is still finishing its start-up reads
(the known names, the unread total) and both first j and first event wait for them."""
LOADED_MARKER = " conversations"


def _wait_text(app: PtyApp, marker: str) -> None:
    app.wait_for_text(marker, timeout=60)


def _wait_drawn(app: PtyApp, since: int, marker: str, timeout: float = 60.0) -> float:
    """Until a frame that shows ``marker`` (written after byte ``since``) has ended; the
    ``perf_counter`` time it was read, taken here in the reading thread as ``key_to_frame``
    does for ``j`` (after the thread hands back to this process's event loop, which also
    runs the service, the time would include that hand-off, which ``j``'s does not).

    Only the output since the event is searched, so the wait costs the same whatever
    was drawn before (``wait_for_text`` re-reads the last 400 kB on every chunk)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        app._read(deadline - time.perf_counter())
        seen = time.perf_counter()
        *ended, _partial = bytes(app.output[since:]).split(SYNC_END)
        if any(marker in visible(frame) for frame in ended):
            return seen
        if app.proc.poll() is not None:
            break
    raise TimeoutError(f"{marker!r} never drawn")


async def _rounds(
    messages: int, conversations: int, rounds: int
) -> tuple[list[float], list[float]]:
    from tui.domain.models import InboxMessage
    from tui.services.events import ConversationsChanged
    from tui.services.local import LocalService
    from tui.services.runtime import open_runtime
    from tui.services.server import ServiceServer, socket_path
    from tui.store import InboxView

    folder = cached_store(messages, conversations)
    keys: list[float] = []
    events: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        config = paused_config(Path(tmp) / "cfg")
        data = copy_store(folder, Path(tmp) / "data")
        runtime = await open_runtime(config, data)
        service = LocalService.of(runtime)
        server = ServiceServer(service, socket_path(data, environ={}))
        await server.start()
        env = {**os.environ, "XDG_RUNTIME_DIR": ""}  # the socket beside the data folder
        argv = [sys.executable, "-m", "tui", "--config", str(config), "--data-dir", str(data)]
        app = PtyApp(argv, env=env)
        try:
            await asyncio.to_thread(_wait_text, app, LOADED_MARKER)
            await asyncio.to_thread(app.drain, 0.3)
            store = runtime.store
            for n in range(WARMUP + rounds):
                key_time = await asyncio.to_thread(app.key_to_frame, b"j")
                await asyncio.to_thread(app.drain, 0.05)
                now = service.clock()
                (top,) = await store.conversations_page(InboxView(), 0, 1, now)
                at = max(now, top.updated_at) + timedelta(seconds=1)
                marker = f"live event {n:03d} arrived"
                message = InboxMessage(
                    top.account_id,
                    f"bench-live-{n}-{time.time_ns()}",
                    top.remote_id,
                    top.customer.platform_user_id,
                    at,
                    text=marker,
                    sender_name=top.customer.name,
                )
                await store.apply_batch(
                    top.account_id,
                    platform=top.platform,
                    conversations=[replace(top, updated_at=at, snippet=marker)],
                    messages=[message],
                )
                since = len(app.output)
                started = time.perf_counter()
                runtime.bus.publish(ConversationsChanged(top.account_id, [top.remote_id]))
                seen = await asyncio.to_thread(_wait_drawn, app, since, marker)
                if n >= WARMUP:
                    keys.append(key_time)
                    events.append(seen - started)
                await asyncio.to_thread(app.drain, 0.05)
                os.write(app.master, b"k")
                await asyncio.to_thread(app.drain, 0.05)
        finally:
            app.close()
            await server.close()
            await runtime.close()
    return keys, events


def run(messages: int, conversations: int, *, rounds: int) -> list[Result]:
    """``live event -> inbox redrawn`` against ``j`` key-to-frame, same pty, same run."""
    keys, events = asyncio.run(_rounds(messages, conversations, rounds))
    j50, e50 = median(keys) * 1000, median(events) * 1000
    ratio = e50 / j50 if j50 else 0.0
    return [
        Result(
            f"live event -> inbox redrawn ({messages:,} msgs / {conversations:,} convs)",
            f"median <= {GOAL_RATIO:.1f}x j median",
            f"event median {e50:.1f} ms, p95 {percentile(events, 95) * 1000:.1f} ms; "
            f"j median {j50:.1f} ms; {len(events)} rounds",
            f"{ratio:.2f}x",
            ratio <= GOAL_RATIO,
            floor=f"j key-to-frame in the same pty, median {j50:.1f} ms",
        )
    ]


if __name__ == "__main__":
    from bench.common import markdown_table

    size = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1_000_000, 50_000)
    print(markdown_table(run(*size, rounds=int(sys.argv[3]) if len(sys.argv) > 3 else 30)))
