"""Toasts show their words as text: a notification built from values (an account id, an
error, what Meta said of a token) is never read as Textual markup. One was, and a '[/]'
in debug_token's message ended the dashboard while the toast was drawn
(tests/profiles/test_token_care.py shows that case end to end)."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant)


def test_every_notification_built_from_values_is_plain_text() -> None:
    offenders: list[str] = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "notify"
                and node.args
                and not _literal(node.args[0])
            ):
                continue
            markup = next((k.value for k in node.keywords if k.arg == "markup"), None)
            if not (isinstance(markup, ast.Constant) and markup.value is False):
                offenders.append(f"{path.relative_to(TUI.parent)}:{node.lineno}")
    assert offenders == [], "notify() of a built message without markup=False"
