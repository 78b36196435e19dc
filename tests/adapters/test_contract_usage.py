"""Contract: ``X-Business-Use-Case-Usage`` as Meta's rate-limiting page shows it, read per
business object and type, so one object's budget never pauses another.

Page (mirrored in nermalcat69/meta-business-api, ``facebook-dev-docs/markdown/``):
``docs/graph-api/overview/rate-limiting.md`` ("Sample X-Business-Use-Case-Usage Header
Value": one entry per business object id, each a list of typed entries).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.adapters.replay import IG_PAGE, MESSENGER, replay
from tui.adapters.errors import RateLimited


def header(entries: dict[str, list[dict[str, object]]]) -> dict[str, str]:
    return {"X-Business-Use-Case-Usage": json.dumps(entries)}


def entry(kind: str, call_count: int, regain: int = 0) -> dict[str, object]:
    # The sample's keys; the page's comments name what each means.
    return {
        "type": kind,
        "call_count": call_count,
        "total_cputime": 25,
        "total_time": 25,
        "estimated_time_to_regain_access": regain,
    }


async def test_another_objects_exhausted_budget_does_not_count_against_this_page() -> None:
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        page = adapter.account.page_id
        assert page
        usage = header(
            {
                "66782684": [entry("ads_management", 100, 19)],  # the sample's other objects
                "10153848260347724": [entry("ads_insights", 97)],
                page: [entry("messenger", 12)],
            }
        )
        listing = {"data": []}
        r.answer(f"/{page}/conversations", listing, headers=usage)
        await adapter.changed_conversations(None)
    assert adapter.client.usage is not None
    assert adapter.client.usage.max_pct == 25  # ours: call_count 12, cpu and time 25
    assert adapter.client.usage.regain_at is None


async def test_instagram_on_the_same_page_is_not_paused_by_the_messenger_budget() -> None:
    async with replay() as r:
        adapter = r.adapter(IG_PAGE)
        page, ig = adapter.account.page_id, adapter.account.ig_user_id
        assert page and ig
        usage = header({page: [entry("messenger", 100, 30)], ig: [entry("instagram", 10)]})
        r.answer(f"/{page}/conversations", {"data": []}, headers=usage)
        await adapter.changed_conversations(None)
    assert adapter.client.usage is not None
    assert adapter.client.usage.max_pct == 25
    assert adapter.client.usage.regain_at is None


async def test_a_rate_limit_ends_when_this_objects_entry_says() -> None:
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        page = adapter.account.page_id
        assert page
        usage = header(
            {"66782684": [entry("ads_management", 100, 60)], page: [entry("messenger", 100, 7)]}
        )
        error = {
            "error": {
                "message": "(#80006) There have been too many messenger api calls to this Page "
                "account. Wait a bit and try again.",
                "type": "OAuthException",
                "code": 80006,
                "fbtrace_id": "AmFGcW_3hwDB7qFbl_QdebZ",
            }
        }
        r.answer(f"/{page}/conversations", error, status=400, headers=usage)
        with pytest.raises(RateLimited) as caught:
            await adapter.changed_conversations(None)
        now = r.sim.clock.now()
    assert caught.value.until == now + timedelta(minutes=7)
