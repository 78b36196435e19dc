"""Fixtures for notifications and privacy: message builders, a simulator rig, a real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.simrig import SimRuntime, frozen, loopback_runtime, sim_runtime
from tui.app import DashboardApp
from tui.domain.models import InboxMessage, MessageKind
from tui.services.notifier import MessageContext
from tui.services.runtime import Runtime
from tui.simulator import Simulator

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def msg(
    text: str = "hello",
    *,
    remote_id: str = "m_1",
    account: str = "bakery",
    conv: str = "t_1",
    sender: str = "psid_1",
    name: str = "Ana Silva",
    kind: MessageKind = MessageKind.MESSAGE,
    from_us: bool = False,
    at: datetime = NOW,
) -> InboxMessage:
    return InboxMessage(
        account_id=account,
        remote_id=remote_id,
        conversation_id=conv,
        sender_id=sender,
        created_at=at,
        text=text,
        kind=kind,
        from_us=from_us,
        sender_name=name,
    )


def ctx(now: datetime = NOW, **kw: object) -> MessageContext:
    options: dict[str, object] = {"platform": "messenger", "known": True}
    options.update(kw)
    return MessageContext(now=now, **options)  # type: ignore[arg-type]


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


class Rig(SimRuntime):
    """A runtime against the simulator on loopback (on the real clock), plus its control API."""

    def account_ids(self) -> list[str]:
        return [a.id for a in self.runtime.prefs.accounts]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with loopback_runtime(tmp_path, frozen(5), kind=Rig, sim_clock=False) as built:
        yield built


RULES_CONFIG = """
# My notification rules: this comment must survive every save.
[notifications]
timezone = "UTC"
flood_seconds = 0

[[notifications.rules]]
name = "Silence everything"
enabled = true
action = "silent"

[[notifications.rules]]
name = "Refunds"
keywords = ["refund", "remboursement"]
action = "highlight"
"""


async def build_ui_runtime(tmp: Path, *, rules: bool = True) -> tuple[Simulator, Runtime]:
    """A runtime on the in-process simulator, synced once (catch-up), accounts paused."""
    built = await sim_runtime(
        tmp,
        frozen(5, conversations_per_account=4),
        config_extra=RULES_CONFIG if rules else "",
        synced=True,
        paused=True,
    )
    return built.sim, built.runtime


@dataclass
class UiRig:
    sim: Simulator
    runtime: Runtime
    tmp: Path

    def app(self) -> DashboardApp:
        return DashboardApp(runtime=self.runtime, user_themes_dir=self.tmp / "themes")

    async def customer_writes(self, text: str, account: str = "demo-page") -> None:
        """A known customer writes and the account is polled once (a live batch)."""
        conv = self.sim.world.inboxes[account].conversations[0]
        self.sim.inbound(account, conv.customer.id, text)
        await self.runtime.engine.accounts[account].poll_once()

    def config_text(self) -> str:
        return self.runtime.prefs_file.path.read_text(encoding="utf-8")


@pytest.fixture
async def ui(tmp_path: Path) -> AsyncIterator[UiRig]:
    sim, runtime = await build_ui_runtime(tmp_path)
    yield UiRig(sim, runtime, tmp_path)
    await runtime.close()
