"""The shared Synapse fixture: a real homeserver the Matrix tests run against."""

from __future__ import annotations

import httpx

from tests.synapse import SERVER_NAME, SynapseServer


def test_homeserver_registers_users_by_shared_secret(synapse: SynapseServer) -> None:
    user = synapse.register("fixture_probe")
    assert user.user_id == f"@fixture_probe:{SERVER_NAME}"
    whoami = httpx.get(
        f"{synapse.url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {user.access_token}"},
    )
    assert whoami.json()["user_id"] == user.user_id
    # Loopback only, no federation listener: the server-server API is not served.
    assert httpx.get(f"{synapse.url}/_matrix/federation/v1/version").status_code == 404
