"""Fixtures for the config tests: a clean redaction registry and logging left as found."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tui.config.redact import clear_secrets, uninstall_log_redaction


@pytest.fixture(autouse=True)
def _clean_redaction() -> Iterator[None]:
    clear_secrets()
    yield
    uninstall_log_redaction(logging.getLogger())
    clear_secrets()
