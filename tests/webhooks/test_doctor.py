"""``linkdeck doctor`` reads each Page's subscribed_apps and names missing fields."""

from __future__ import annotations

from pathlib import Path

import httpx

from tui.services.doctor import diagnose
from tui.simulator import SimClock, Simulator

BASE = "http://sim.test"


async def test_doctor_reports_the_webhook_subscription(tmp_path: Path) -> None:
    sim = Simulator(5, clock=SimClock.fixed(), conversations_per_account=2)
    config = sim.write_config(tmp_path / "cfg", BASE)

    report = await diagnose(config, tmp_path / "data", transport=sim.transport())
    unsubscribed = [w for w in report.warnings if "no app receives its webhooks" in w]
    assert len(unsubscribed) == 3  # the Page, its Instagram account, the IG Login account
    assert "subscribed_fields=messages,message_echoes" in unsubscribed[0]

    # Subscribe the Page, but forget message_edits.
    page = sim.seeded_accounts(BASE)[0]
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE) as client:
        fields = "messages,message_echoes,message_reactions,message_reads,message_deliveries"
        answer = await client.post(
            f"/v25.0/{page['page_id']}/subscribed_apps",
            params={"subscribed_fields": fields + ",messaging_handovers,standby"},
            headers={"Authorization": f"Bearer {page['token']}"},
        )
        assert answer.json() == {"success": True}
    report = await diagnose(config, tmp_path / "data", transport=sim.transport())
    assert any("without message_edits" in w for w in report.warnings)

    sim.webhooks.configure({"url": "http://127.0.0.1:9/hook"})  # every field
    report = await diagnose(config, tmp_path / "data", transport=sim.transport())
    assert any("webhooks subscribed for every field" in line for line in report.ok)
    assert not [w for w in report.warnings if "webhooks" in w]
