"""Fixtures for the store tests: a real database file in tmp_path and record builders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.domain.models import Conversation, Identity, InboxMessage, MessageKind, Platform
from tui.store import Store

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def msg(
    remote_id: str,
    text: str = "hello",
    *,
    conv: str = "t_1",
    account: str = "bakery",
    minute: int = 0,
    from_us: bool = False,
    sender: str = "psid_1",
    name: str = "Ana Silva",
    kind: MessageKind = MessageKind.MESSAGE,
) -> InboxMessage:
    return InboxMessage(
        account_id=account,
        remote_id=remote_id,
        conversation_id=conv,
        sender_id="page_1" if from_us else sender,
        created_at=at(minute),
        text=text,
        kind=kind,
        from_us=from_us,
        sender_name="Bakery" if from_us else name,
    )


def conv(
    remote_id: str,
    name: str = "Ana Silva",
    *,
    account: str = "bakery",
    platform: Platform = Platform.MESSENGER,
    minute: int = 0,
    customer_id: str = "psid_1",
) -> Conversation:
    return Conversation(
        account_id=account,
        remote_id=remote_id,
        platform=platform,
        customer=Identity(account_id=account, platform_user_id=customer_id, name=name),
        updated_at=at(minute),
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "linkdeck.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(db_path)
    try:
        yield opened
    finally:
        await opened.close()
