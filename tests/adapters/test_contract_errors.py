"""Contract: the error bodies of Meta's "Handling Errors" guide and the Instagram Login
OAuth error, replayed literally through the real adapters.

Pages (mirrored in nermalcat69/meta-business-api, ``facebook-dev-docs/markdown/``):
- ``docs/graph-api/guides/error-handling.md`` ("Handling Errors"): the envelope with
  ``error_user_title``, ``error_user_msg`` and ``fbtrace_id``; the 190 subcodes.
- ``documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md``
  ("Business Login for Instagram"): "Sample Rejected Response", without the envelope.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.adapters.replay import IG_LOGIN, MESSENGER, replay
from tui.adapters.errors import InvalidRequest, TokenInvalid

# The "Error Responses" example, verbatim.
HANDLING_ERRORS_EXAMPLE = {
    "error": {
        "message": "Message describing the error",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 460,
        "error_user_title": "A title",
        "error_user_msg": "A message",
        "fbtrace_id": "EJplcsCHuLu",
    }
}
# "Sample Rejected Response" of Instagram Login's code exchange, verbatim.
INSTAGRAM_OAUTH_REJECTED = {
    "error_type": "OAuthException",
    "code": 400,
    "error_message": "Matching code was not found or was already used",
}


@pytest.fixture
def paris_zone() -> Iterator[None]:
    """The user's zone for this test: Europe/Paris (tzset makes astimezone() follow it)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


async def test_the_user_title_is_shown_and_message_and_trace_id_are_kept() -> None:
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        r.answer(f"/{adapter.account.page_id}/conversations", HANDLING_ERRORS_EXAMPLE, status=400)
        with pytest.raises(TokenInvalid) as caught:
            await adapter.changed_conversations(None)
    error = caught.value
    assert error.reason == "password changed"
    assert error.headline == "A title"
    detail = error.detail()
    assert "A message" in detail and "Message describing the error" in detail
    assert "EJplcsCHuLu" in detail
    assert "password" in error.fix and "link the account again" in error.fix


async def test_the_expiry_time_in_a_190_463_message_is_shown_in_the_users_zone(
    paris_zone: None,
) -> None:
    # The expiry example of the reference (§8.3), as Meta words it: a time in PST.
    body = {
        "error": {
            "message": "Error validating access token: Session has expired on Wednesday, "
            "14-Feb-18 18:00:00 PST. The current time is Thursday, 15-Feb-18 13:46:35 PST.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "H2il2t5bn4e",
        }
    }
    async with replay() as r:
        adapter = r.adapter(MESSENGER)
        r.answer(f"/{adapter.account.page_id}/conversations", body, status=400)
        with pytest.raises(TokenInvalid) as caught:
            await adapter.changed_conversations(None)
    detail = caught.value.detail()
    # 18:00 PST is 03:00 the next morning in Paris.
    assert "Thu 15 Feb 2018 03:00:00 CET" in detail
    assert "PST" not in detail
    assert caught.value.platform_message == body["error"]["message"]  # kept as Meta sent it


async def test_the_instagram_login_oauth_error_shows_its_own_text() -> None:
    async with replay() as r:
        adapter = r.adapter(IG_LOGIN)
        r.answer("/me/conversations", INSTAGRAM_OAUTH_REJECTED, status=400)
        with pytest.raises(InvalidRequest) as caught:
            await adapter.changed_conversations(None)
    error = caught.value
    assert error.platform_message == "Matching code was not found or was already used"
    assert "Matching code was not found" in error.detail()
    assert "OAuthException" in str(error)
