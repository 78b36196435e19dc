"""A reply on an account that needs re-authentication is refused at once, with the reason,
and its text is kept (item 9)."""

from __future__ import annotations

import httpx
from textual.widgets import TextArea

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ui_inbox.test_inbox_keys import go_to
from tests.ux.conftest import Rig
from tui.domain import AccountState
from tui.screens.conversation import ConversationScreen


async def test_reply_on_a_revoked_account_is_refused_at_once(rig: Rig) -> None:
    token = rig.sim.world.tokens["page"]
    async with httpx.AsyncClient(transport=rig.sim.transport(), base_url="http://sim.test") as c:
        assert (await c.post(f"/_sim/tokens/{token}", json={"revoke": 460})).status_code == 200
    rig.runtime.engine.pause(rig.fb, False)
    await rig.runtime.engine.run_once()
    states = {s.account_id: s.state for s in rig.runtime.engine.statuses()}
    assert states[rig.fb] is AccountState.NEEDS_REAUTH
    toasts: list[str] = []
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await go_to(pilot, rig, (rig.fb, "t_hostile"))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await wait_until(pilot, lambda: screen.ready)
        await pilot.press(*"see you at nine", "enter")
        await wait_until(
            pilot, lambda: any("Not sent" in (n.title or "") for n in app._notifications)
        )
        toasts = [n.message for n in app._notifications if n.title == "Not sent"]
        assert any("needs re-authentication" in t and "Profiles" in t for t in toasts), toasts
        assert "see you at nine" in screen.query_one(TextArea).text
    assert not any(
        i.action == "send" for i in await rig.runtime.store.outbox_items(account_id=rig.fb)
    )
