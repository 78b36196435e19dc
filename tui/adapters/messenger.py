"""The Facebook Messenger (Page inbox) adapter."""

from __future__ import annotations

from typing import ClassVar

from tui.adapters.graph import GraphClient
from tui.adapters.meta import GraphAdapter
from tui.adapters.usage import usage_scope
from tui.domain import Account, Platform

MESSENGER_PERMISSIONS = {
    "pages_messaging": "cannot read or answer messages",
    "pages_manage_metadata": "cannot list conversations",
    "pages_read_engagement": "cannot read conversations or customer names",
}
"""Required permission -> the feature its absence disables."""


class MessengerAdapter(GraphAdapter):
    """A Facebook Page's Messenger inbox, through graph.facebook.com with a Page token."""

    platform: ClassVar[Platform] = Platform.MESSENGER
    conversation_fields: ClassVar[str] = (
        "id,updated_time,participants,snippet,unread_count,messages.limit(1){id,created_time}"
    )

    def __init__(self, account: Account, client: GraphClient) -> None:
        super().__init__(account, client)
        self.required_permissions = dict(MESSENGER_PERMISSIONS)
        self.send_permission = "pages_messaging"
        self.read_permission = "pages_messaging"
        # Messenger calls are charged to the Page, as "messenger" and "pages" use cases.
        client.usage_scope = usage_scope([account.page_id], ("messenger", "pages"))
