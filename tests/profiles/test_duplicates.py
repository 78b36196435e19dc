"""No second copy of an inbox: the wizard, ``linkdeck link`` and the manager refuse it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.profiles.conftest import SIM_URL, Rig
from tests.profiles.test_wizard_ui import app_for, open_wizard, until
from tui.config import AccountConfig
from tui.config.secrets import read_secrets
from tui.domain import InstagramApi, Platform
from tui.modals.link_wizard import LinkWizard
from tui.services.account_facts import AlreadyLinked, LinkPlan
from tui.services.linking import Prompter, link_in_terminal
from tui.services.signin import LinkPlatform
from tui.simulator.testing import loopback_simulator


class ScriptedPrompter(Prompter):
    """Answers by meaning, not by position: picks the option whose label holds a word."""

    def __init__(self, picks: list[str], yeses: list[bool], texts: list[str]) -> None:
        super().__init__(self._text, self._secret)
        self.picks, self.yeses, self.texts = list(picks), list(yeses), list(texts)
        self.questions: list[str] = []

    def _text(self, question: str) -> str:
        self.questions.append(question)
        return self.texts.pop(0) if self.texts else ""

    def _secret(self, question: str) -> str:
        return self.texts.pop(0)

    def choose(self, question: str, options: list[str], default: int = 0) -> int:
        self.questions.append(question)
        word = self.picks.pop(0)
        return next(i for i, option in enumerate(options) if word in option)

    def yes(self, question: str, default: bool) -> bool:
        self.questions.append(question)
        return self.yeses.pop(0)


def count_accounts(config: Path) -> int:
    return config.read_text().count("[[accounts]]")


async def test_the_manager_refuses_a_page_that_is_linked_already(rig: Rig) -> None:
    before = rig.config.read_text()
    copy = AccountConfig(
        id="bakery-again",
        platform=Platform.MESSENGER,
        page_id=rig.sim.world.page_id,
        graph_url=SIM_URL,
    )
    with pytest.raises(AlreadyLinked, match="already linked as 'demo-page'") as caught:
        await rig.manager().link(LinkPlan(copy, rig.sim.world.tokens["page"]))
    assert caught.value.existing.id == "demo-page"
    assert rig.config.read_text() == before
    assert "bakery-again" not in read_secrets(rig.config.parent / "secrets.toml")
    assert "bakery-again" not in rig.runtime.engine.accounts


async def test_the_same_instagram_account_through_the_other_api_is_a_duplicate(
    rig: Rig,
) -> None:
    # The professional account id is the same whichever API reaches it.
    copy = AccountConfig(
        id="ig-via-login",
        platform=Platform.INSTAGRAM,
        ig_user_id=rig.sim.world.ig_page_id,
        api=InstagramApi.INSTAGRAM_LOGIN,
        graph_url=SIM_URL + "/instagram",
    )
    with pytest.raises(AlreadyLinked, match="'demo-ig'"):
        await rig.manager().link(LinkPlan(copy, rig.sim.world.tokens["ig_login"]))


async def pick(pilot: Pilot[None], wizard: LinkWizard, list_id: str, option_id: str) -> None:
    options = wizard.query_one(list_id, OptionList)
    await until(pilot, lambda: options.option_count > 0 and options.display)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = ids.index(option_id)
    options.focus()
    await pilot.press("enter")


async def test_the_wizard_offers_reauth_instead_of_a_second_copy(rig: Rig, tmp_path: Path) -> None:
    app = app_for(rig, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot)
        await pick(pilot, wizard, "#platform-list", LinkPlatform.INSTAGRAM_LOGIN.value)
        await until(pilot, lambda: wizard.step == "signin")
        await pick(pilot, wizard, "#signin-list", "paste")
        wizard.query_one("#token-input").value = rig.sim.world.tokens["ig_short"]  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: wizard.step == "target")
        label = str(wizard.query_one("#target-list", OptionList).get_option_at_index(0).prompt)
        assert "already linked as demo-iglogin" in label
        await pilot.press("enter")
        note = wizard.query_one("#duplicate-note", Static)
        await until(pilot, lambda: note.display and "duplicate" in str(note.render()))
        assert "already linked as demo-iglogin" in str(note.render())
        # Back keeps the wizard on the list, nothing written.
        await pick(pilot, wizard, "#duplicate-choice", "back")
        await until(pilot, lambda: not note.display)
        assert wizard.step == "target" and count_accounts(rig.config) == 3
        await pilot.press("enter")
        await pick(pilot, wizard, "#duplicate-choice", "reauth")
        await until(pilot, lambda: not isinstance(app.screen, LinkWizard))
    assert count_accounts(rig.config) == 3
    saved = read_secrets(rig.config.parent / "secrets.toml")["demo-iglogin"]
    assert saved not in (rig.sim.world.tokens["ig_login"], rig.sim.world.tokens["ig_short"])
    events = await rig.runtime.store.activity_page(account_id="demo-iglogin")
    assert [e.kind for e in events].count("reauth") == 1
    assert "link" not in [e.kind for e in events]


@pytest.mark.parametrize("accept", [False, True])
async def test_linkdeck_link_names_the_existing_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], accept: bool
) -> None:
    async with loopback_simulator() as (sim, base_url):
        config = sim.write_config(tmp_path / "cfg", base_url)
        before = config.read_text()
        prompter = ScriptedPrompter(
            picks=["paste", "Bakery"], yeses=[accept], texts=[sim.world.tokens["page"]]
        )
        code = await link_in_terminal(
            LinkPlatform.MESSENGER,
            config,
            tmp_path / "data",
            prompter=prompter,
            environ={"LINKDECK_GRAPH_URL": base_url},
        )
    out = capsys.readouterr().out
    assert "is already linked as 'demo-page'" in out
    assert "duplicate every message" in out
    assert config.read_text() == before
    if accept:
        assert code == 0 and "Re-authenticated 'demo-page'" in out
    else:
        assert code == 1 and "Nothing was saved." in out
    assert not any("Local id" in q for q in prompter.questions)
