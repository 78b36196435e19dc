"""Graph errors map to typed errors by code and subcode, never by message text."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.adapters.graphfake import NOW
from tui.adapters.errors import (
    AdapterError,
    InvalidRequest,
    PermissionMissing,
    RateLimited,
    RecipientUnavailable,
    ThreadControlled,
    TokenInvalid,
    Transient,
    WindowClosed,
    map_graph_error,
)


def envelope(code: int, subcode: int | None = None, message: str = "x", **extra: Any) -> Any:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return {"error": error}


TABLE: list[tuple[int, int | None, int, type[AdapterError]]] = [
    # (code, subcode, http status, expected class) -- reference §8.3/§8.4
    (190, None, 400, TokenInvalid),
    (190, 458, 400, TokenInvalid),
    (190, 460, 400, TokenInvalid),
    (190, 463, 400, TokenInvalid),
    (190, 467, 400, TokenInvalid),
    (190, 492, 400, TokenInvalid),
    (190, 493, 400, TokenInvalid),
    (102, None, 400, TokenInvalid),
    (4, None, 403, RateLimited),
    (17, None, 400, RateLimited),
    (32, None, 400, RateLimited),
    (613, None, 400, RateLimited),
    (613, 2534040, 400, RateLimited),
    (80001, None, 400, RateLimited),
    (80002, None, 400, RateLimited),
    (80006, None, 400, RateLimited),
    (10, 2018278, 400, WindowClosed),
    (10, 2534022, 403, WindowClosed),
    (10, 2018065, 400, WindowClosed),
    (10, 2018108, 400, RecipientUnavailable),
    (100, 2018001, 400, RecipientUnavailable),
    (100, 2534014, 400, RecipientUnavailable),
    (551, None, 400, RecipientUnavailable),
    (551, 1545041, 400, RecipientUnavailable),
    (200, 1545041, 400, RecipientUnavailable),
    (10, None, 400, PermissionMissing),
    (200, None, 400, PermissionMissing),
    (230, None, 400, PermissionMissing),
    (3, None, 400, PermissionMissing),
    (200, 2018028, 400, PermissionMissing),
    (200, 2534041, 400, PermissionMissing),
    (100, None, 400, InvalidRequest),
    (100, 33, 400, InvalidRequest),
    (100, 2534015, 400, InvalidRequest),
    (2500, None, 400, InvalidRequest),
    # Code 1 is transient, except with these subcodes (reference §0.9, issue 17 item 4).
    (1, 99, 400, PermissionMissing),
    (1, 2018382, 400, InvalidRequest),
    # Another app controls the thread (handover protocol).
    (10, 2018300, 400, ThreadControlled),
    (100, 2534037, 400, ThreadControlled),
    (1, None, 500, Transient),
    (2, None, 503, Transient),
    (1200, None, 400, Transient),
]


@pytest.mark.parametrize(("code", "subcode", "status", "expected"), TABLE)
def test_code_and_subcode_pick_the_class(
    code: int, subcode: int | None, status: int, expected: type[AdapterError]
) -> None:
    error = map_graph_error(status, envelope(code, subcode), {}, NOW)
    assert type(error) is expected
    assert (error.code, error.subcode) == (code, subcode)


@pytest.mark.parametrize(
    ("subcode", "reason"),
    [
        (463, "expired"),
        (460, "password changed"),
        (458, "app deauthorized"),
        (467, "session invalid"),
        (493, "data access expired"),
        (None, "invalid"),
    ],
)
def test_token_reason_comes_from_the_subcode(subcode: int | None, reason: str) -> None:
    error = map_graph_error(400, envelope(190, subcode), {}, NOW)
    assert isinstance(error, TokenInvalid)
    assert error.reason == reason
    assert not error.retryable


def test_localized_message_maps_the_same() -> None:
    english = envelope(190, 463, "Error validating access token: Session has expired on ...")
    portuguese = envelope(
        190, 463, "Erro ao validar o token de acesso: a sessão expirou em quarta-feira ..."
    )
    a = map_graph_error(400, english, {}, NOW)
    b = map_graph_error(400, portuguese, {}, NOW)
    assert type(a) is type(b) is TokenInvalid
    assert isinstance(a, TokenInvalid) and isinstance(b, TokenInvalid)
    assert a.reason == b.reason == "expired"
    assert b.platform_message.startswith("Erro ao validar")
    window_pt = envelope(10, 2534022, "Esta mensagem foi enviada fora do período permitido.")
    assert isinstance(map_graph_error(403, window_pt, {}, NOW), WindowClosed)


def test_message_text_is_never_used_for_logic() -> None:
    # A message that *says* token expired, with a rate-limit code, is a rate limit.
    error = map_graph_error(400, envelope(4, None, "Session has expired"), {}, NOW)
    assert isinstance(error, RateLimited)
    assert "Session" not in str(error)


def test_rate_limit_until_comes_from_the_usage_header() -> None:
    headers = {
        "x-business-use-case-usage": json.dumps(
            {
                "104920384756001": [
                    {
                        "type": "messenger",
                        "call_count": 100,
                        "total_cputime": 3,
                        "total_time": 4,
                        "estimated_time_to_regain_access": 7,
                    }
                ]
            }
        )
    }
    error = map_graph_error(400, envelope(80006), headers, NOW)
    assert isinstance(error, RateLimited)
    assert error.until == NOW + timedelta(minutes=7)
    assert error.retryable


def test_rate_limit_without_header_has_no_until() -> None:
    error = map_graph_error(403, envelope(4, is_transient=True), {}, NOW)
    assert isinstance(error, RateLimited)
    assert error.until is None


def test_permission_hint_names_the_missing_permission() -> None:
    error = map_graph_error(400, envelope(200), {}, NOW, permission_hint="pages_messaging")
    assert isinstance(error, PermissionMissing)
    assert error.permission == "pages_messaging"
    assert "pages_messaging" in str(error)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (502, None, Transient),
        (500, "<html>oops</html>", Transient),
        (429, None, RateLimited),
        (401, None, TokenInvalid),
        (404, {"unexpected": True}, InvalidRequest),
        (400, {"error": "not an object"}, InvalidRequest),
    ],
)
def test_bodies_without_an_envelope_map_by_status(
    status: int, body: object, expected: type[AdapterError]
) -> None:
    assert type(map_graph_error(status, body, {}, NOW)) is expected


def test_hostile_platform_text_stays_out_of_the_summary() -> None:
    hostile = "\x1b[2J\x1b]0;pwned\x07 click http://evil"
    error = map_graph_error(400, envelope(100, None, hostile), {}, NOW)
    assert error.platform_message == hostile
    assert "\x1b" not in str(error) and "evil" not in str(error)


@pytest.mark.parametrize(
    ("code", "subcode"), [(1, 99), (1, 2018382), (10, 2018300), (200, 2018028)]
)
def test_errors_that_waiting_does_not_heal_are_not_retried(code: int, subcode: int) -> None:
    error = map_graph_error(400, envelope(code, subcode), {}, NOW)
    assert not error.retryable
    assert not isinstance(error, Transient)
    assert error.fix  # each says what the user can do


def test_standard_access_names_the_access_level_to_apply_for() -> None:
    error = map_graph_error(400, envelope(200, 2018028), {}, NOW)
    assert isinstance(error, PermissionMissing)
    assert error.access_level == "advanced"
    assert "Advanced access" in error.fix or "advanced access" in error.fix
    assert "App Review" in error.fix


def test_each_token_subcode_has_its_own_fix() -> None:
    fixes = {
        subcode: map_graph_error(400, envelope(190, subcode), {}, NOW).fix
        for subcode in (458, 459, 460, 463, 464, 467, 492)
    }
    assert len(set(fixes.values())) == len(fixes)
    assert "facebook.com" in fixes[459] and "facebook.com" in fixes[464]
    assert "role on the Page" in fixes[492]


def test_user_title_message_and_trace_id_are_kept() -> None:
    body = envelope(
        10,
        2018278,
        "(#10) outside the window",
        error_user_title="Message not sent",
        error_user_msg="This person can't be reached right now.",
        fbtrace_id="AxIIVeNpuf3y2jeXdufRcEX",
    )
    error = map_graph_error(400, body, {}, NOW)
    assert error.headline == "Message not sent"
    assert error.user_message == "This person can't be reached right now."
    assert "AxIIVeNpuf3y2jeXdufRcEX" in error.detail()


def test_an_envelope_less_oauth_error_maps_by_its_code() -> None:
    # Instagram Login's OAuth endpoints answer {"error_type", "code", "error_message"}.
    rejected = {"error_type": "OAuthException", "code": 400, "error_message": "Matching code"}
    error = map_graph_error(400, rejected, {}, NOW)
    assert type(error) is InvalidRequest and error.platform_message == "Matching code"
    dead = {"error_type": "OAuthException", "code": 190, "error_message": "Invalid token"}
    assert isinstance(map_graph_error(400, dead, {}, NOW), TokenInvalid)
