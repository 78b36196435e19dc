"""The adapters against the bundled Graph API simulator on a real loopback socket."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tui.adapters import make_adapter
from tui.adapters.base import PlatformAdapter
from tui.adapters.errors import (
    OutcomeUnknown,
    PermissionMissing,
    RateLimited,
    TokenInvalid,
    Transient,
    WindowClosed,
)
from tui.adapters.graph import GraphClient
from tui.simulator import Simulator
from tui.simulator.testing import loopback_simulator, seeded_account

MESSENGER, IG_PAGE, IG_LOGIN = "demo-page", "demo-ig", "demo-iglogin"


class Rig:
    """A loopback simulator, its control API and one adapter per seeded account."""

    def __init__(self, sim: Simulator, base_url: str, control: httpx.AsyncClient) -> None:
        self.sim = sim
        self.base_url = base_url
        self.control = control
        self.rows = {row["id"]: row for row in sim.seeded_accounts(base_url)}
        self.adapters: dict[str, PlatformAdapter] = {}

    def adapter(self, key: str, *, deadline: float = 10.0) -> PlatformAdapter:
        row = self.rows[key]
        made = make_adapter(
            seeded_account(row), row["token"], deadline=deadline, clock=self.sim.clock.now
        )
        self.adapters[f"{key}:{len(self.adapters)}"] = made
        return made

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.control.post(f"/_sim/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def fault(self, **spec: Any) -> None:
        await self.post("faults", spec)


@asynccontextmanager
async def rig(**options: Any) -> AsyncIterator[Rig]:
    async with (
        loopback_simulator(**options) as (sim, base_url),
        httpx.AsyncClient(base_url=base_url) as control,
    ):
        made = Rig(sim, base_url, control)
        try:
            yield made
        finally:
            for adapter in made.adapters.values():
                await adapter.client.aclose()


@pytest.mark.parametrize("key", [MESSENGER, IG_PAGE, IG_LOGIN])
async def test_full_sync_then_idle_poll_then_one_new_message(key: str) -> None:
    async with rig(conversations_per_account=60, messages_per_conversation=3) as r:
        adapter = r.adapter(key)
        verification = await adapter.verify()
        assert verification.token_valid and verification.missing == {}
        assert verification.owner_id == adapter.account.owner_id

        before = adapter.client.request_count
        changes = await adapter.changed_conversations(None)
        assert len(changes) == 60
        assert len({c.conversation.remote_id for c in changes}) == 60
        assert adapter.client.request_count - before == 3  # 25 + 25 + 10
        times = [c.updated_at for c in changes]
        assert times == sorted(times, reverse=True)

        watermark = changes[0].updated_at
        before = adapter.client.request_count
        # The watermark's own second is listed again (it may hold news); nothing older is.
        boundary = await adapter.changed_conversations(watermark)
        assert boundary and all(c.updated_at == watermark for c in boundary)
        assert all(c.newest_message_id for c in boundary)
        assert adapter.client.request_count - before == 1

        customer = changes[7].conversation.customer.platform_user_id
        await r.post("clock", {"advance": 60})
        await r.post("inbound", {"account": key, "customer": customer, "text": "Olá! 🎂"})
        fresh = [
            c for c in await adapter.changed_conversations(watermark) if c.updated_at > watermark
        ]
        assert [c.conversation.customer.platform_user_id for c in fresh] == [customer]
        news = await adapter.new_messages(fresh[0].conversation.remote_id, watermark)
        assert [(m.text, m.from_us) for m in news] == [("Olá! 🎂", False)]
        assert adapter.take_problems() == []

        log = (await r.control.get("/_sim/requests")).json()["data"]
        assert log and all(entry["bearer"] for entry in log)
        assert all(k != "access_token" for entry in log for k, _ in entry["query"])


async def test_instagram_history_past_20_messages_becomes_placeholders() -> None:
    async with rig() as r:
        adapter = r.adapter(IG_LOGIN)
        changes = await adapter.changed_conversations(None)
        longest: tuple[int, list[Any]] = (0, [])
        for change in changes:
            cursor: str | None = None
            history: list[Any] = []
            while True:
                page, cursor = await adapter.backfill(
                    change.conversation.remote_id,
                    older_than=None,
                    not_before=None,
                    page_cursor=cursor,
                )
                history.extend(page)
                if cursor is None:
                    break
            longest = max(longest, (len(history), history), key=lambda pair: pair[0])
        count, history = longest
        assert count > 20
        assert not any(m.unsupported and m.text for m in history)
        placeholders = [m for m in history if m.unsupported and m.sender_id == ""]
        assert len(placeholders) == count - 20
        assert adapter.take_problems() == []


async def test_token_expiring_mid_sync() -> None:
    async with rig(conversations_per_account=60) as r:
        adapter = r.adapter(MESSENGER)
        token = r.rows[MESSENGER]["token"]
        pages = adapter.client.paginate(
            f"{adapter.account.page_id}/conversations", {"platform": "messenger", "limit": 25}
        )
        first = await anext(pages)
        assert len(first) == 25
        await r.post(f"tokens/{token}", {"expire": True})
        with pytest.raises(TokenInvalid) as caught:
            await anext(pages)
        assert caught.value.reason == "expired"
        assert token not in str(caught.value)
        verification = await adapter.verify()
        assert not verification.token_valid
        assert verification.error == "token invalid: expired"


async def test_token_revoked_after_password_change() -> None:
    async with rig() as r:
        adapter = r.adapter(IG_LOGIN)
        await r.post(f"tokens/{r.rows[IG_LOGIN]['token']}", {"revoke": 460})
        with pytest.raises(TokenInvalid) as caught:
            await adapter.changed_conversations(None)
        assert caught.value.reason == "password changed"


@pytest.mark.parametrize(
    ("key", "withdrawn", "feature"),
    [
        (MESSENGER, "pages_messaging", "cannot read or answer messages"),
        (IG_LOGIN, "instagram_business_manage_messages", "cannot read or answer messages"),
    ],
)
async def test_permission_withdrawn(key: str, withdrawn: str, feature: str) -> None:
    async with rig() as r:
        adapter = r.adapter(key)
        token = r.rows[key]["token"]
        scopes = (await r.post(f"tokens/{token}", {}))["data"]["scopes"]
        await r.post(f"tokens/{token}", {"scopes": [s for s in scopes if s != withdrawn]})
        with pytest.raises(PermissionMissing) as caught:
            await adapter.changed_conversations(None)
        assert caught.value.permission == withdrawn
        verification = await adapter.verify()
        assert verification.token_valid
        assert verification.missing == {withdrawn: feature}


async def test_throttling_reads_usage_headers_and_regain_time() -> None:
    async with rig() as r:
        await r.post("config", {"rate": {"hourly_budget": 6, "headers_after": 1}})
        adapter = r.adapter(MESSENGER)
        client = adapter.client
        with pytest.raises(RateLimited) as caught:
            for _ in range(10):
                await adapter.changed_conversations(None, max_pages=1)
        assert client.usage is not None and client.usage.max_pct >= 100
        assert caught.value.code == 80006
        now = r.sim.clock.now()
        assert caught.value.until is not None
        assert timedelta(0) < caught.value.until - now <= timedelta(hours=1, minutes=1)


async def test_burst_of_server_errors_then_recovery() -> None:
    async with rig() as r:
        adapter = r.adapter(MESSENGER)
        path = f"/{adapter.account.page_id}/conversations"
        await r.fault(path=path, status=500, count=3)
        for _ in range(3):
            with pytest.raises(Transient) as caught:
                await adapter.changed_conversations(None)
            assert caught.value.retryable
        assert len(await adapter.changed_conversations(None)) == 12


async def test_send_answered_with_5xx_is_outcome_unknown_and_reconciles() -> None:
    async with rig() as r:
        adapter = r.adapter(MESSENGER)
        conversation = (await adapter.changed_conversations(None))[0].conversation
        await r.post("outcome", {"count": 1})
        sent_at = r.sim.clock.now()
        with pytest.raises(OutcomeUnknown):
            await adapter.send_text(conversation.customer.platform_user_id, "Your cake is ready")
        assert r.sim.sent[-1]["text"] == "Your cake is ready"  # it did go out
        found = await adapter.find_sent(conversation.remote_id, "Your cake is ready", sent_at)
        assert found == r.sim.sent[-1]["message_id"]
        later = sent_at + timedelta(minutes=5)
        assert await adapter.find_sent(conversation.remote_id, "Your cake is ready", later) is None


async def test_slow_drip_is_cut_at_the_deadline() -> None:
    async with rig() as r:
        adapter = r.adapter(MESSENGER, deadline=1.0)
        await r.fault(path="/me", drip_bytes_per_second=1)
        started = time.monotonic()
        with pytest.raises(Transient):
            await adapter.verify()
        assert time.monotonic() - started < 2.0


async def test_truncated_and_garbage_bodies_are_transient() -> None:
    async with rig() as r:
        adapter = r.adapter(IG_PAGE)
        path = f"/{adapter.account.page_id}/conversations"
        await r.fault(path=path, truncate_after=30)
        with pytest.raises(Transient):
            await adapter.changed_conversations(None)
        await r.fault(path=path, body='{"data": [{"id": "aWdf", "updated_')
        with pytest.raises(Transient):
            await adapter.changed_conversations(None)
        await r.fault(path=path, status=502, body="<html>Bad gateway</html>")
        with pytest.raises(Transient):
            await adapter.changed_conversations(None)
        assert len(await adapter.changed_conversations(None)) == 12


async def test_same_id_twice_across_pages_is_kept_once() -> None:
    async with rig(conversations_per_account=30) as r:
        adapter = r.adapter(MESSENGER)
        page_id = adapter.account.page_id
        query: dict[str, str | int] = {
            "platform": "messenger",
            "fields": "id,updated_time,participants",
            "limit": 25,
        }
        async with GraphClient(r.base_url, r.rows[MESSENGER]["token"]) as client:
            first = (await client.get(f"{page_id}/conversations", query)).data
            cursor = first["paging"]["cursors"]["after"]
            second = (await client.get(f"{page_id}/conversations", query | {"after": cursor})).data
        # A shifting inbox: the second page repeats the first page's last thread.
        repeated = {"data": [first["data"][-1], *second["data"]]}
        await r.fault(path=f"/{page_id}/conversations", body=json.dumps(first))
        await r.fault(path=f"/{page_id}/conversations", body=json.dumps(repeated))
        before = adapter.client.request_count
        changes = await adapter.changed_conversations(None)
        ids = [c.conversation.remote_id for c in changes]
        assert adapter.client.request_count - before == 2
        assert len(ids) == 30 and len(set(ids)) == 30


async def test_reply_window_and_human_agent_on_the_simulator() -> None:
    async with rig() as r:
        adapter = r.adapter(IG_PAGE)
        conversation = (await adapter.changed_conversations(None))[0].conversation
        customer = conversation.customer.platform_user_id
        last_inbound = r.sim.world.conversations[conversation.remote_id].last_inbound_at
        assert last_inbound is not None
        two_days_later = last_inbound + timedelta(days=2) - r.sim.clock.now()
        await r.post("clock", {"advance": two_days_later.total_seconds()})
        with pytest.raises(WindowClosed) as caught:
            await adapter.send_text(customer, "Are you still interested?")
        assert caught.value.human_agent_possible
        sent = await adapter.send_text(customer, "Sorry for the delay", human_agent=True)
        assert r.sim.sent[-1]["message_id"] == sent.message_id
        assert r.sim.sent[-1]["tag"] == "HUMAN_AGENT"
        await r.post("clock", {"advance": timedelta(days=6).total_seconds()})
        with pytest.raises(WindowClosed) as caught:
            await adapter.send_text(customer, "Hello?")
        assert not caught.value.human_agent_possible


async def test_sender_actions_reach_the_simulator() -> None:
    async with rig() as r:
        adapter = r.adapter(MESSENGER)
        conversation = (await adapter.changed_conversations(None))[0].conversation
        customer = conversation.customer.platform_user_id
        await adapter.sender_action(customer, "typing_on")
        await adapter.sender_action(customer, "mark_seen")
        assert [a["action"] for a in r.sim.actions[-2:]] == ["typing_on", "mark_seen"]


@pytest.mark.parametrize(("key", "detailed"), [(MESSENGER, 30), (IG_LOGIN, 20)])
async def test_a_burst_bigger_than_a_page_leaves_no_gap(key: str, detailed: int) -> None:
    async with rig() as r:
        adapter = r.adapter(key)
        changes = await adapter.changed_conversations(None)
        watermark = changes[0].updated_at
        customer = changes[3].conversation.customer.platform_user_id
        for n in range(30):
            await r.post("clock", {"advance": 1})
            await r.post("inbound", {"account": key, "customer": customer, "text": f"n{n}"})
        fresh = [
            c for c in await adapter.changed_conversations(watermark) if c.updated_at > watermark
        ]
        assert len(fresh) == 1
        before = adapter.client.request_count
        news = await adapter.new_messages(fresh[0].conversation.remote_id, watermark)
        assert adapter.client.request_count - before == 2
        assert len(news) == 30
        assert [m.text for m in news[:detailed]] == [f"n{n}" for n in range(29, 29 - detailed, -1)]
        # Instagram hides the details of all but the 20 newest: kept, flagged, never dropped.
        assert sum(m.unsupported for m in news) == 30 - detailed


async def test_in_process_transport_serves_every_seeded_account() -> None:
    sim = Simulator(7)
    for row in sim.seeded_accounts("http://sim.invalid"):
        adapter = make_adapter(
            seeded_account(row), row["token"], transport=sim.transport(), clock=sim.clock.now
        )
        async with adapter.client:
            verification = await adapter.verify()
            assert verification.error is None, row["id"]
            assert len(await adapter.changed_conversations(None)) == 12
