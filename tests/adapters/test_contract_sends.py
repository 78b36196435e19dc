"""Contract: every success shape Meta documents for the Send API, through the real outbox.

Pages (mirrored in nermalcat69/meta-business-api, ``facebook-dev-docs/markdown/``):
- ``documentation/business-messaging/messenger-platform/send-messages/templates.md``:
  ``{"recipient_id", "message_id"}``.
- ``documentation/business-messaging/messenger-platform/discovery/private-replies.md`` and
  ``.../marketing-messages-on-messenger/faq.md``: ``{"recipient": {"id", "message_id"}}``.
- ``documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api``
  send pages and the reference (§4.1): ``recipient_id`` is left out when the recipient was
  addressed another way, so ``{"message_id"}`` alone is a success too.

An accepted send is never marked failed: a second send would follow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tui.domain import OutboxState
from tui.services.runtime import open_runtime
from tui.simulator.faults import FaultRule
from tui.simulator.testing import loopback_simulator

MID = "m_zm2fACsz21560tai1om-TvABABVG5smou58Xoe7OB4ekibklqP8d2WdzC-Z8j2LVG1G43QVrtVr-jwVZFg72kg"


@pytest.mark.parametrize(
    ("shape", "expected_id"),
    [
        pytest.param({"recipient_id": "25381719828140932", "message_id": MID}, MID, id="flat"),
        pytest.param(
            {"recipient": {"id": "25381719828140932", "message_id": MID}}, MID, id="nested"
        ),
        pytest.param({"message_id": MID}, MID, id="id-only"),
        pytest.param({"recipient_id": "25381719828140932"}, None, id="no-id"),
    ],
)
async def test_every_documented_success_shape_marks_the_reply_sent(
    tmp_path: Path, shape: dict[str, Any], expected_id: str | None
) -> None:
    async with loopback_simulator(seed=11) as (sim, base_url):
        config = sim.write_config(tmp_path / "config", base_url)
        runtime = await open_runtime(config, tmp_path / "data", clock=sim.clock.now)
        try:
            page = sim.world.inboxes["demo-page"]
            conv = page.conversations[0]
            sim.faults.add(
                FaultRule(
                    path=f"/{page.owner_id}/messages",
                    method="POST",
                    status=200,
                    body=json.dumps(shape),
                )
            )
            outbox = runtime.outbox
            item = await outbox.send_text("demo-page", conv.id, conv.customer.id, "On its way!")
            assert await outbox.process(item) is OutboxState.SENT
            [done] = [i for i in await runtime.store.outbox_items() if i.id == item.id]
            assert done.state is OutboxState.SENT
            assert done.remote_id == expected_id
        finally:
            await runtime.close()
