"""Is the Page (or Instagram account) subscribed to our app's webhooks, for every field?

``GET /{page-id}/subscribed_apps`` lists the apps that receive a Page's webhooks and
their ``subscribed_fields``; without a subscription no event ever arrives, whatever the
App Dashboard says. Sources: messenger-platform/webhooks/webhook-events.md ("Subscribe
to Meta Webhooks", "Install your messaging app on the Facebook Page"), reference section 10.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.adapters.base import PlatformAdapter
from tui.adapters.errors import AdapterError
from tui.domain.models import InstagramApi, Platform

MESSENGER_FIELDS = (
    "messages",
    "message_echoes",
    "message_edits",
    "message_reactions",
    "message_reads",
    "message_deliveries",
    "messaging_handovers",
    "standby",
)
INSTAGRAM_FIELDS = ("messages", "message_edits", "message_reactions", "messaging_seen")


@dataclass
class Subscription:
    ok: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def wanted_fields(adapter: PlatformAdapter) -> tuple[str, ...]:
    if adapter.account.platform is Platform.INSTAGRAM:
        return INSTAGRAM_FIELDS
    return MESSENGER_FIELDS


async def check_subscription(adapter: PlatformAdapter, app_id: str = "") -> Subscription:
    """Findings for ``linkdeck doctor``; never raises for an API problem (it is a finding)."""
    account = adapter.account
    name = f"account '{account.id}'"
    found = Subscription()
    via_login = account.api is InstagramApi.INSTAGRAM_LOGIN
    target = (account.ig_user_id or "me") if via_login else (account.page_id or "me")
    try:
        response = await adapter.client.get(f"{target}/subscribed_apps", {})
    except AdapterError as exc:
        found.warnings.append(f"{name}: could not read its webhook subscription ({exc})")
        return found
    data = response.data.get("data")
    apps = [a for a in data if isinstance(a, dict)] if isinstance(data, list) else []
    if app_id:
        apps = [a for a in apps if str(a.get("id", "")) == app_id]
    wanted = wanted_fields(adapter)
    how = f"POST /{target}/subscribed_apps?subscribed_fields={','.join(wanted)} with its token"
    if not apps:
        found.warnings.append(
            f"{name}: no app receives its webhooks, so messages arrive only by polling "
            f"(within the call budget); subscribe it: {how}"
        )
        return found
    fields = {str(f) for a in apps for f in a.get("subscribed_fields", []) or []}
    missing = [f for f in wanted if f not in fields]
    if missing:
        found.warnings.append(
            f"{name}: webhooks subscribed without {', '.join(missing)}; those events are "
            f"missed (polling repairs only messages); subscribe them: {how}"
        )
    else:
        found.ok.append(f"{name}: webhooks subscribed for every field Linkdeck uses")
    return found
