"""A failed send says why in the user's words and time zone; the platform's own text (Graph's
message, a Pacific-time expiry) stays reachable in the Activity log's detail (item 9)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from tests.ui_conversation.conftest import Rig, open_screen, rig, settle
from tui.adapters.errors import RateLimited, failure_words, localize_moments
from tui.domain import OutboxState, WindowState
from tui.modals.confirm import ConfirmRetry

__all__ = ["rig"]

EXPIRED = "Error validating access token: Session has expired on Wednesday, 14-Feb-18 18:00:00 PST."


def test_a_rate_limit_says_when_in_the_readers_zone() -> None:
    until = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)
    words = failure_words(RateLimited(until), retrying=True)
    assert localize_moments(words, ZoneInfo("Europe/Berlin")) == "rate limited, will retry at 14:05"
    assert localize_moments(words, UTC) == "rate limited, will retry at 13:05"
    assert failure_words(RateLimited(until)) == "rate limited by the platform"


async def test_closed_window_failure_in_the_users_words(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.CLOSING)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(
            pilot,
            rig.screen(account_id=conversation.account_id, conversation_id=conversation.remote_id),
        )
        screen.composer.area.insert("Still open?")
        await pilot.press("enter")
        await pilot.pause()
        rig.sim.clock.advance(2 * 3600)  # the window closes while the reply waits
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "failed:" in screen.history.all_text())
        text = " ".join(screen.history.all_text().split())  # as read, not as wrapped
        # The customer wrote two hours ago: well within the 7 days of a HUMAN_AGENT reply.
        reason = "outside the 24-hour reply window (a human agent reply is still possible)"
        assert f"failed: {reason} (ctrl+r: retry)" in text, text
        assert "allowed window" not in text and "(#10)" not in text, text

        # ctrl+r, which the line offers, asks first, then the line says it is retrying, then
        # shows how the new attempt ended (still refused: the window is still closed).
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ConfirmRetry))
        await pilot.press("y")
        await settle(pilot, lambda: "retrying…" in screen.history.all_text())
        assert "failed:" not in screen.history.all_text()
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "failed: outside" in screen.history.all_text())
        assert "retrying…" not in screen.history.all_text()
        assert rig.sim.sent == []
    events = await rig.runtime.store.activity_page(kinds=["send"], limit=10)
    failed = [e for e in events if e.summary.startswith("Reply failed")]
    assert failed and "outside the 24-hour reply window" in failed[0].summary
    assert "allowed window" in failed[0].detail, "the platform's own text stays reachable"


async def test_an_expired_token_never_shows_pacific_time(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with httpx.AsyncClient(transport=rig.sim.transport(), base_url="http://sim.test") as c:
        armed = await c.post(
            "/_sim/faults",
            json={
                "path": "re:/messages$",
                "method": "POST",
                # Read receipts and typing indicators go to the same path before the reply.
                "count": 5,
                "status": 400,
                "error": {"code": 190, "subcode": 463, "message": EXPIRED},
            },
        )
        assert armed.status_code == 200, armed.text
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(
            pilot,
            rig.screen(account_id=conversation.account_id, conversation_id=conversation.remote_id),
        )
        screen.composer.area.insert("See you at nine")
        await pilot.press("enter")
        await pilot.pause()
        await rig.runtime.outbox.drain()
        await settle(pilot, lambda: "failed:" in screen.history.all_text())
        text = screen.history.all_text()
        assert "failed: the token needs re-authentication" in text, text
        assert "PST" not in text and "Session has expired" not in text, text
    items = await rig.runtime.store.outbox_items(account_id=conversation.account_id)
    assert [i.state for i in items if i.text == "See you at nine"] == [OutboxState.FAILED]
    events = await rig.runtime.store.activity_page(kinds=["send"], limit=10)
    detail = next(e.detail for e in events if e.summary.startswith("Reply failed"))
    assert "Session has expired" in detail and "PST" not in detail, detail
    assert "2018" in detail, detail
