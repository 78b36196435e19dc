"""Linking a Matrix account over SSH: password or token, secrets, device id, logout on unlink."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.matrix.conftest import unique
from tests.synapse import SynapseServer
from tui.config.paths import secrets_path_for
from tui.services.accounts import AccountManager
from tui.services.linking import Prompter
from tui.services.matrix_link import (
    MatrixLinkError,
    describe_bridges,
    link_matrix_in_terminal,
    login,
)
from tui.services.runtime import open_runtime


def whoami(server: SynapseServer, token: str) -> int:
    return httpx.get(
        f"{server.url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {token}"},
    ).status_code


async def test_password_login_gives_a_working_token_and_a_device(synapse: SynapseServer) -> None:
    user = synapse.register(unique("pw"))
    session = await login(synapse.url, user.user_id, password=user.password)
    assert session.user_id == user.user_id and session.device_id
    assert session.access_token != user.access_token
    assert whoami(synapse, session.access_token) == 200
    with pytest.raises(MatrixLinkError, match="refused"):
        await login(synapse.url, user.user_id, password="wrong")


async def test_a_pasted_token_is_checked_and_keeps_its_device(synapse: SynapseServer) -> None:
    user = synapse.register(unique("tok"))
    session = await login(synapse.url, user.user_id, token=user.access_token)
    assert session.device_id == user.device_id
    other = synapse.register(unique("tok"))
    with pytest.raises(MatrixLinkError, match="belongs to"):
        await login(synapse.url, user.user_id, token=other.access_token)
    with pytest.raises(MatrixLinkError, match="did not accept"):
        await login(synapse.url, user.user_id, token="syt_not_a_token")


def scripted(answers: list[str]) -> Iterator[str]:
    yield from answers


async def test_link_matrix_in_the_terminal_then_unlink_logs_out(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    user = synapse.register(unique("cli"))
    answers = iter(
        [
            user.user_id,  # user id
            synapse.url,  # homeserver (no .well-known for the test server)
            "1",  # password
            "",  # receipts: yes
            "n",  # typing: no
            "",  # backfill: default
            "me-matrix",  # local id
            "",  # save
        ]
    )
    secrets_asked: list[str] = []

    def secret(prompt: str) -> str:
        secrets_asked.append(prompt)
        return user.password

    prompter = Prompter(ask=lambda _: next(answers), ask_secret=secret)
    config = tmp_path / "config.toml"
    data = tmp_path / "data"
    assert await link_matrix_in_terminal(config, data, prompter=prompter) == 0

    text = config.read_text()
    assert user.password not in text
    saved = tomllib.loads(text)
    [account] = saved["accounts"]
    assert account["platform"] == "matrix"
    assert account["user_id"] == user.user_id
    assert account["homeserver"] == synapse.url
    assert account["device_id"]
    assert saved["privacy"]["me-matrix"]["send_typing"] is False
    secrets = secrets_path_for(config)
    assert secrets.stat().st_mode & 0o077 == 0
    token = tomllib.loads(secrets.read_text())["secrets"]["me-matrix"]
    assert token not in text and whoami(synapse, token) == 200

    runtime = await open_runtime(config, data)
    try:
        [report] = await runtime.engine.run_once()
        assert report.error is None
        cursors = await runtime.store.cursors("me-matrix")
        assert describe_bridges(cursors) == "no bridges found (yet)"
        await AccountManager(runtime).unlink("me-matrix", purge=True)
    finally:
        await runtime.close()
    assert whoami(synapse, token) == 401, "unlinking logged the device out"
    assert "me-matrix" not in config.read_text()
