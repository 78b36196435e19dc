"""``python -m tui.webhooks DB``: only the receiver, storing into ``DB`` (for crash tests).

The verify token and app secret come from ``LINKDECK_WEBHOOK_VERIFY_TOKEN`` and
``LINKDECK_WEBHOOK_APP_SECRET``; the address bound is printed as ``listening HOST PORT``.
The full service (``linkdeck serve``) runs the same receiver beside the processor.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tui.store import Store
from tui.webhooks.receiver import WebhookReceiver


async def _main(db: Path, host: str, port: int) -> int:
    store = await Store.open(db)
    receiver = WebhookReceiver(
        store,
        os.environ["LINKDECK_WEBHOOK_VERIFY_TOKEN"],
        os.environ["LINKDECK_WEBHOOK_APP_SECRET"],
    )
    bound = await receiver.start(host, port)
    print(f"listening {bound[0]} {bound[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await receiver.stop()
    await store.close()
    return 0


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tui.webhooks DB [HOST] [PORT]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 0
    return asyncio.run(_main(Path(argv[0]), host, port))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
