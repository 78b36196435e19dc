"""Per-request context: parsed parameters, the caller's token, headers to add."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from tui.simulator.protocol import INSTAGRAM_HOST, GraphError, SimRequest
from tui.simulator.tokens import Token
from tui.simulator.world import Inbox

if TYPE_CHECKING:
    from tui.simulator.core import Simulator

READ_SCOPES = {
    "messenger": "pages_messaging",
    "page": "instagram_manage_messages",
    "instagram_login": "instagram_business_manage_messages",
}


def scope_for(inbox: Inbox) -> str:
    """The permission that reading or messaging this inbox needs."""
    return READ_SCOPES[inbox.api or inbox.platform]


def parse_body(req: SimRequest) -> dict[str, Any]:
    """A POST body as Graph reads it: JSON, or a form whose values may be JSON strings."""
    if not req.body:
        return {}
    kind = req.headers.get("content-type", "")
    text = req.body.decode("utf-8", "replace")
    if "json" in kind or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise GraphError(100, "(#100) Invalid JSON in the request body") from None
        if not isinstance(data, dict):
            raise GraphError(100, "(#100) The request body must be a JSON object")
        return data
    result: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        result[key] = loads_lenient(value)
    return result


def loads_lenient(value: str) -> Any:
    """A form value: JSON objects (even the single-quoted kind Meta's docs show) decoded."""
    stripped = value.strip()
    if not stripped.startswith(("{", "[")):
        return value
    for candidate in (stripped, stripped.replace("'", '"')):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return value


@dataclass
class Ctx:
    """What a route needs to answer one request."""

    sim: Simulator
    req: SimRequest
    version: str | None
    path: str
    """The path without its version prefix."""
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers (usage headers)."""
    token: Token | None = None

    @property
    def host(self) -> str:
        return self.req.host

    @property
    def on_instagram(self) -> bool:
        return self.req.host == INSTAGRAM_HOST

    def param(self, name: str) -> str | None:
        """A string parameter from the body or, failing that, the query."""
        value = self.body.get(name)
        if isinstance(value, str):
            return value
        if value is not None:
            return json.dumps(value)
        return self.req.param(name)

    def token_value(self) -> str | None:
        auth = self.req.headers.get("authorization", "")
        if auth.lower().startswith(("bearer ", "oauth ")):
            return auth.split(" ", 1)[1].strip()
        value = self.body.get("access_token")
        if isinstance(value, str) and value:
            return value
        return self.req.param("access_token")

    def require_token(self) -> Token:
        """The caller's valid token, or the 190/2500 error Meta would send."""
        if self.token is None:
            self.token = self.sim.tokens.check(self.token_value(), self.host)
        return self.token

    def versioned(self, path: str) -> str:
        return f"/{self.version}{path}" if self.version else path

    def require_scope(self, token: Token, scope: str) -> None:
        if scope not in token.scopes:
            raise GraphError(200, f"(#200) Requires {scope} permission to manage the object")

    def charge(self, inbox: Inbox, api: str) -> None:
        """Count this call against the account's bucket; headers or a throttling error."""
        try:
            self.headers.update(self.sim.limits.charge(inbox.owner_id, inbox.platform, api))
        except GraphError as exc:
            self.headers.update(exc.headers)
            raise

    def inboxes(self, token: Token) -> list[Inbox]:
        """The inboxes this token may read."""
        found = []
        for inbox in self.sim.world.inboxes.values():
            if token.type == "PAGE" and inbox.page_id == token.profile_id:
                if inbox.api != "instagram_login":
                    found.append(inbox)
            elif token.type == "IG" and inbox.owner_id == token.profile_id:
                found.append(inbox)
        return found
