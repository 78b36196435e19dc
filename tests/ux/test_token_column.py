"""The Token column agrees with the state: no "no known expiry" beside "needs re-auth", and
no "token invalid: invalid" (items 18 and 20)."""

from __future__ import annotations

from tests.ux.conftest import Rig
from tui.domain import AccountState, AccountStatus
from tui.panes.profiles import ProfileRow, state_text, token_text
from tui.services.account_facts import TokenFacts


async def test_a_stopped_token_is_not_shown_with_an_expiry(rig: Rig) -> None:
    config = rig.runtime.prefs.accounts[0]
    status = AccountStatus(
        config.id, "messenger", AccountState.NEEDS_REAUTH, detail="token invalid: invalid"
    )
    row = ProfileRow(config, status, None, TokenFacts(), (1, 1))
    for short in (True, False):
        token = token_text(row, rig.now, short=short).plain
        assert "expiry" not in token and "not working" in token
        state = state_text(row, None, short=short).plain
        assert "invalid: invalid" not in state and "token invalid" in state
