"""Contract: Meta's "Paginated Results" page, replayed through the real adapters.

Page (mirrored in nermalcat69/meta-business-api, ``facebook-dev-docs/markdown/``):
``docs/graph-api/results.md``: cursor paging; time-based paging (``previous``/``next``
links carrying ``since``/``until`` and no cursors); the cursor-limit error
``(#100) The After Cursor specified exceeds the max limit supported by this endpoint``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.replay import MESSENGER, replay
from tui.adapters.errors import InvalidRequest, PartialListing

CURSOR_LIMIT = {
    "error": {
        "message": "(#100) The After Cursor specified exceeds the max limit supported by "
        "this endpoint",
        "type": "OAuthException",
        "code": 100,
    }
}


def conversation(cid: str, when: str, page_id: str) -> dict[str, Any]:
    return {
        "id": cid,
        "updated_time": when,
        "participants": {"data": [{"id": f"70000000000{cid[-5:]}", "name": cid}, {"id": page_id}]},
    }


async def test_time_based_paging_is_followed_without_requesting_the_link() -> None:
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        page = adapter.account.page_id
        assert page
        # The page's time-based example: "previous" with since, "next" with until.
        first = {
            "data": [conversation("t_0000000001", "2013-04-01T20:55:54+0000", page)],
            "paging": {
                "previous": f"https://graph.facebook.com/{page}/feed?limit=25&since=1364849754",
                "next": f"https://graph.facebook.com/{page}/feed?limit=25&until=1364587774",
            },
        }
        second = {
            "data": [conversation("t_0000000002", "2013-03-29T20:09:34+0000", page)],
            "paging": {
                "previous": f"https://graph.facebook.com/{page}/feed?limit=25&since=1364587774"
            },
        }
        r.answer(f"/{page}/conversations", second, query={"until": "1364587774"})
        r.answer(f"/{page}/conversations", first)
        changes = await adapter.changed_conversations(None)
        asked = [dict(e.query) for e in r.sim.requests if e.path.endswith("/conversations")]
    assert [c.conversation.remote_id for c in changes] == ["t_0000000001", "t_0000000002"]
    assert asked[1]["until"] == "1364587774"
    assert "after" not in asked[1] and "/feed" not in str(asked)


async def test_a_cursor_limit_on_page_two_keeps_page_one() -> None:
    async with replay(conversations_per_account=60) as r:
        adapter = r.adapter(MESSENGER)
        page = adapter.account.page_id
        r.answer(f"/{page}/conversations", CURSOR_LIMIT, status=400, query={"after": "*"}, count=-1)
        with pytest.raises(PartialListing) as caught:
            await adapter.changed_conversations(None)
    assert isinstance(caught.value.cause, InvalidRequest)
    assert len(caught.value.changes) == 25  # page one, kept


async def test_after_a_cursor_limit_the_walk_goes_on_below_with_time_paging() -> None:
    async with replay(conversations_per_account=60) as r:
        adapter = r.adapter(MESSENGER)
        page = adapter.account.page_id
        assert page
        r.answer(f"/{page}/conversations", CURSOR_LIMIT, status=400, query={"after": "*"}, count=1)
        older = {"data": [conversation("t_0000000099", "2020-01-01T00:00:00+0000", page)]}
        r.answer(f"/{page}/conversations", older, query={"until": "*"})
        changes = await adapter.changed_conversations(None)
        asked = [dict(e.query) for e in r.sim.requests if e.path.endswith("/conversations")]
    assert len(changes) == 26
    assert changes[-1].conversation.remote_id == "t_0000000099"
    restart = asked[-1]
    assert "after" not in restart and int(restart["until"]) > 0
    assert int(restart["limit"]) < 25  # a smaller page too
