"""The ``fields=`` mini-language: ``id,messages.limit(20){id,from}`` -> a tree of specs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.simulator.protocol import GraphError

_NAME = re.compile(r"[A-Za-z0-9_]+")


@dataclass
class FieldSpec:
    """One requested field, its modifiers (``limit``) and its subfields (``{...}``)."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    sub: list[FieldSpec] | None = None


def parse_fields(text: str | None) -> list[FieldSpec] | None:
    """Parse a ``fields`` value; ``None`` (or blank) means the node's default fields."""
    if text is None or not text.strip():
        return None
    parser = _Parser(text.replace(" ", ""))
    specs = parser.field_list()
    if parser.pos != len(parser.text):
        parser.fail("end of string")
    return specs


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, expected: str) -> None:
        got = self.text[self.pos] if self.pos < len(self.text) else "end of string"
        raise GraphError(
            2500,
            f'Syntax error "Expected {expected} instead of "{got}"." at character {self.pos}: '
            f"{self.text}",
        )

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if not match:
            self.fail("field name")
            raise AssertionError  # fail always raises
        self.pos = match.end()
        return match.group()

    def field_list(self) -> list[FieldSpec]:
        specs = [self.field()]
        while self.peek() == ",":
            self.pos += 1
            if self.peek() in ("", "}", ","):
                continue  # Graph tolerates trailing and doubled commas
            specs.append(self.field())
        return specs

    def field(self) -> FieldSpec:
        spec = FieldSpec(self.name())
        while self.peek() == ".":
            self.pos += 1
            modifier = self.name()
            if self.peek() != "(":
                self.fail('"("')
            end = self.text.find(")", self.pos)
            if end < 0:
                self.fail('")"')
            spec.modifiers[modifier] = self.text[self.pos + 1 : end]
            self.pos = end + 1
        if self.peek() == "{":
            self.pos += 1
            spec.sub = self.field_list()
            if self.peek() != "}":
                self.fail('"}"')
            self.pos += 1
        return spec


def unparse(specs: list[FieldSpec] | None) -> str:
    """Back to text, for the ``fields`` of a ``next`` URL."""
    if not specs:
        return ""
    parts = []
    for spec in specs:
        text = spec.name + "".join(f".{k}({v})" for k, v in spec.modifiers.items())
        if spec.sub:
            text += "{" + unparse(spec.sub) + "}"
        parts.append(text)
    return ",".join(parts)


def check_known(specs: list[FieldSpec], known: set[str] | frozenset[str], node_type: str) -> None:
    """Meta's answer to a field the node does not have."""
    for spec in specs:
        if spec.name not in known:
            raise GraphError(
                100,
                f"(#100) Tried accessing nonexisting field ({spec.name}) on node type "
                f"({node_type})",
            )


def select(value: object, sub: list[FieldSpec] | None) -> object:
    """Keep only the requested subfields of a plain object or a ``{"data": [...]}`` list."""
    if not sub:
        return value
    names = {s.name for s in sub}
    if isinstance(value, dict):
        if set(value) == {"data"} and isinstance(value["data"], list):
            return {"data": [select(item, sub) for item in value["data"]]}
        return {k: v for k, v in value.items() if k in names or k == "id"}
    if isinstance(value, list):
        return [select(item, sub) for item in value]
    return value
