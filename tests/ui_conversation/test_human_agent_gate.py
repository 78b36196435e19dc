"""HUMAN_AGENT is offered only when the account's config says the feature is approved.

Meta's page (nermalcat69/meta-business-api, facebook-dev-docs/markdown/
documentation/business-messaging/messenger-platform.md): apply for the Human Agent
permission under "Permissions and Features" in the App Dashboard.
"""

from __future__ import annotations

from tests.ui_conversation.conftest import Rig, open_screen
from tests.ui_conversation.test_conversation import ids, meter, queued_texts, write
from tui.domain import WindowState


def feature_off(rig: Rig, account_id: str) -> None:
    """The account's config no longer claims the Human Agent feature."""
    path = rig.runtime.prefs_file.path
    rig.runtime.prefs_file.set_account_field(account_id, "human_agent", None)
    assert "human_agent" not in path.read_text().split(f'id = "{account_id}"')[1].split("[[")[0]
    rig.runtime.reload_prefs()


async def test_without_the_feature_the_composer_explains_and_never_tags(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.HUMAN_AGENT)
    feature_off(rig, conversation.account_id)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        text = meter(screen)
        assert "Human Agent feature" in text and "human_agent = true" in text
        assert "ctrl+t" not in text
        await pilot.press("ctrl+t")
        assert not screen.human_agent
        await write(pilot, screen, "Sorry for the wait")
        await pilot.press("enter")
        await pilot.pause()
        assert await queued_texts(rig) == []
    assert rig.sim.sent == []


async def test_with_the_feature_in_config_the_tag_is_offered(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.HUMAN_AGENT)
    config = rig.runtime.prefs.account(conversation.account_id)
    assert config is not None and config.human_agent
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert "off (ctrl+t)" in meter(screen)
        await pilot.press("ctrl+t")
        assert screen.human_agent
