"""No token reaches a log line, a traceback or the excepthook's output."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from tui.config.redact import (
    REDACTED,
    install_log_redaction,
    redact,
    redacting_excepthook,
    register_secret,
)
from tui.config.secrets import resolve_token

CANARY = "EAACANARY0123456789"


@pytest.fixture
def stream_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """The root logger at DEBUG with a real StreamHandler writing to a buffer."""
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield root, buffer
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_redact_hides_registered_tokens_and_their_long_pieces() -> None:
    register_secret(CANARY)
    assert redact(f"token={CANARY}!") == "token=[REDACTED]!"
    assert redact("cannot parse EAACANARY01234...") == "cannot parse [REDACTED]..."
    assert redact("EAACANARY") == "EAACANARY"  # too short a piece to mean anything
    register_secret("short")  # too short to register: would shred ordinary words
    assert redact("a short note") == "a short note"


def test_redact_hides_token_shapes_never_registered() -> None:
    text = (
        "GET https://graph.facebook.com/v25.0/me?fields=id&access_token=EAAunregistered99&x=1 "
        "Authorization: Bearer IGQWunregistered "
        '{"access_token": "EAAjsonvalue", "id": "42"}'
    )
    out = redact(text)
    assert "unregistered" not in out and "jsonvalue" not in out
    assert "access_token=[REDACTED]&x=1" in out
    assert "Bearer [REDACTED]" in out
    assert '"id": "42"' in out
    # Meta's own error text stays readable.
    message = "Invalid OAuth access token - Cannot parse access token"
    assert redact(message) == message


def test_a_resolved_token_never_reaches_the_logs(
    tmp_path: object,
    caplog: pytest.LogCaptureFixture,
    stream_logger: tuple[logging.Logger, io.StringIO],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, buffer = stream_logger
    install_log_redaction(root)
    monkeypatch.setenv("LINKDECK_T", CANARY)

    class Account:
        id = "bakery"
        token_env = "LINKDECK_T"
        token_command = None

    from pathlib import Path

    token = resolve_token(Account(), Path(str(tmp_path)) / "secrets.toml")
    log = logging.getLogger("tui.adapters.graph")
    # The root logger is already at DEBUG (``stream_logger``). Calling caplog.set_level
    # here would make caplog restore that DEBUG after ``stream_logger`` restored the
    # original level, leaving the root logger at DEBUG for every later test.
    log.debug("request with token %s", token)
    log.info("header %r", {"Authorization": f"Bearer {token}"})
    log.warning(f"f-string {token}")
    try:
        raise RuntimeError(f"the API refused {token}")
    except RuntimeError:
        log.exception("sync failed for %s", "bakery")
    log.error("with stack", stack_info=True, extra={"note": "x"})

    shown = buffer.getvalue()
    assert "sync failed for bakery" in shown
    assert "Traceback (most recent call last)" in shown
    assert "RuntimeError: the API refused [REDACTED]" in shown
    assert CANARY not in shown
    assert len(caplog.records) == 5
    assert CANARY not in caplog.text
    for record in caplog.records:
        assert CANARY not in record.getMessage()
        assert CANARY not in str(record.exc_text or "")
        assert record.exc_info is None  # the exception object held the token


def test_a_handler_added_after_installation_is_covered(
    stream_logger: tuple[logging.Logger, io.StringIO],
) -> None:
    root, _ = stream_logger
    install_log_redaction(root)
    register_secret(CANARY)
    assert _printed_by_a_later_handler("tui.late") == "late [REDACTED]\n"


def _printed_by_a_later_handler(logger_name: str) -> str:
    """What a handler added only now prints for a warning that carries the token."""
    late = io.StringIO()
    handler = logging.StreamHandler(late)
    child = logging.getLogger(logger_name)
    child.addHandler(handler)
    try:
        child.warning("late %s", CANARY)
    finally:
        child.removeHandler(handler)
    return late.getvalue()


def test_installing_again_after_another_replaced_the_record_factory_redacts_again(
    stream_logger: tuple[logging.Logger, io.StringIO],
) -> None:
    """Something else (a library, a test harness) puts its own record factory in place
    after ours: installing again must wrap it, not trust that ours is still there."""
    root, _ = stream_logger
    install_log_redaction(root)
    register_secret(CANARY)
    logging.setLogRecordFactory(logging.LogRecord)
    install_log_redaction(root)
    assert _printed_by_a_later_handler("tui.replaced") == "late [REDACTED]\n"


def test_a_secret_registered_after_the_record_was_made_is_caught_when_formatted(
    stream_logger: tuple[logging.Logger, io.StringIO],
) -> None:
    root, buffer = stream_logger
    install_log_redaction(root)
    [handler] = [h for h in root.handlers if getattr(h, "stream", None) is buffer]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", (CANARY,), None)
    register_secret(CANARY)
    # The formatter alone, without the filter's help, still hides it.
    assert handler.format(record) == "INFO x value [REDACTED]"
    handler.handle(record)
    assert buffer.getvalue() == "INFO x value [REDACTED]\n"


def test_the_excepthook_prints_a_redacted_traceback() -> None:
    register_secret(CANARY)
    out = io.StringIO()
    try:
        raise ValueError(f"bad token {CANARY}")
    except ValueError:
        exc_type, exc, tb = sys.exc_info()
        assert exc_type is not None and exc is not None
        redacting_excepthook(exc_type, exc, tb, stream=out)
    text = out.getvalue()
    assert "ValueError: bad token [REDACTED]" in text
    assert "Traceback" in text
    assert CANARY not in text


@pytest.mark.parametrize(
    "text",
    [
        # Inside an encoded callback URL: no word boundary before the name.
        "GET https://x.test/cb?next=https%3A%2F%2Fgraph.facebook.com%2Fme%3Faccess_token"
        "%3DEAAunregistered1%26fields%3Did",
        # Encoded twice (a callback inside a callback).
        "https://x.test/cb?state=1&redirect=https%253A%252F%252Fg.test%252Fme%253F"
        "access_token%253DEAAunregistered2%2526x%253D1",
        # A JSON body carried in an encoded parameter.
        "cb%3Fdata%3D%7B%22access_token%22%3A%22EAAunregistered3%22%7D",
        "https://x.test/cb?x=1%26client_secret%3Dunregistered4secret",
    ],
)
def test_percent_encoded_tokens_never_registered_are_redacted(text: str) -> None:
    out = redact(text)
    assert "unregistered" not in out
    assert REDACTED in out
    # What follows the token survives: only the secret is hidden.
    assert out.endswith(("%26fields%3Did", "%2526x%253D1", "%22%7D", REDACTED))
