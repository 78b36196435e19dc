"""A Matrix login has no permissions to grant: Profiles says so instead of "0/0 granted"."""

from __future__ import annotations

from tui.adapters.base import Verification
from tui.config import AccountConfig
from tui.domain import Platform
from tui.panes.profiles import ProfileRow, check_summary, permissions_text
from tui.services.account_facts import TokenFacts


def row(required: frozenset[str], missing: dict[str, str] | None = None) -> ProfileRow:
    verification = Verification(
        account_name="@me:example.org",
        owner_id="@me:example.org",
        token_valid=True,
        expires_at=None,
        granted=required - set(missing or {}),
        required=required,
        missing=missing or {},
    )
    config = AccountConfig(id="me", platform=Platform.MATRIX, user_id="@me:example.org")
    return ProfileRow(config, None, verification, TokenFacts(), (0, 0))


def test_a_matrix_login_needs_no_permissions() -> None:
    matrix = row(frozenset())
    assert permissions_text(matrix, short=True).plain == "none needed"
    assert permissions_text(matrix).plain == "none needed"
    assert check_summary(matrix) == "token valid; no permissions to grant"


def test_a_page_still_counts_its_permissions() -> None:
    page = row(frozenset({"pages_messaging", "pages_show_list"}), {"pages_messaging": "replies"})
    assert permissions_text(page, short=True).plain == "1/2 granted"
    assert "missing pages_messaging" in check_summary(page)
