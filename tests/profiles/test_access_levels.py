"""Standard Access made visible: doctor and Profiles name the likely cause of an empty inbox.

Meta's pages (nermalcat69/meta-business-api, facebook-dev-docs/markdown/):
- documentation/business-messaging/instagram-messaging/get-started.md: "Apps with Standard
  Access can only interact with people who have a role on the app".
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md says
  Standard Access suffices for accounts you own: the two disagree, so the hint says
  "likely", never "certainly".
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from tests.profiles.conftest import Rig
from tests.profiles.test_wizard_ui import app_for, show_profiles, until
from tui.services.doctor import diagnose
from tui.simulator import Simulator
from tui.simulator.testing import loopback_simulator


def strangers_only(sim: Simulator) -> None:
    """A Standard Access app whose customers have no role on it (the usual real case)."""
    sim.standard_access = True
    for inbox in sim.world.inboxes.values():
        for customer in inbox.customers.values():
            customer.has_role = False


async def test_doctor_names_standard_access_for_an_empty_inbox(tmp_path: Path) -> None:
    async with loopback_simulator() as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        healthy = await diagnose(config, tmp_path / "data")
        assert not any("Standard Access" in line for line in healthy.warnings)
        strangers_only(sim)
        report = await diagnose(config, tmp_path / "data")
    hints = [line for line in report.warnings if "Standard Access" in line]
    assert len(hints) == 3
    page = next(line for line in hints if "demo-page" in line)
    assert "Advanced Access to pages_messaging" in page
    login = next(line for line in hints if "demo-iglogin" in line)
    assert "instagram_business_manage_messages" in login


async def test_profiles_says_why_a_working_account_shows_nothing(tmp_path: Path, rig: Rig) -> None:
    await rig.runtime.store.purge_account("demo-page")
    strangers_only(rig.sim)
    await rig.runtime.engine.run_once()
    assert (await rig.runtime.store.counts("demo-page"))[0] == 0
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_profiles(pilot)
        pane.query_one(DataTable).move_cursor(row=list(pane.rows).index("demo-page"))
        details = pane.query_one("#profile-details", Static)
        await until(pilot, lambda: "Standard Access" in str(details.render()))
        assert "pages_messaging" in str(details.render())
