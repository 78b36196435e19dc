"""Rules, people merging, search, export and privacy treat Matrix chats like any other."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.matrix.conftest import MatrixRig, unique
from tests.matrixpeer import FakeBridge, Peer
from tui.domain import Conversation, Identity, InboxMessage, Platform
from tui.domain.rules import NotificationRule, NotificationSettings, RuleAction
from tui.services.notifier import recent_from_store
from tui.services.rule_engine import decide


async def bridged_and_plain(mx: MatrixRig, bridge: FakeBridge) -> tuple[str, str]:
    ana = bridge.puppet(unique("ig_"), "Ana Souza")
    portal = bridge.portal("instagram", ana, mx.me.user_id)
    Peer(mx.server, mx.me.access_token, mx.me.user_id).join(portal)
    bridge.send_as(ana, portal, "personal hello about croissants")
    plain = mx.dm("Book club")
    mx.bob.say(plain, "matrix hello about croissants")
    await mx.engine.run_once()
    return portal, plain


async def test_rules_search_merging_and_export_see_bridged_chats(
    mx: MatrixRig, bridge: FakeBridge
) -> None:
    portal, plain = await bridged_and_plain(mx, bridge)
    # A rule for Instagram catches the bridged chat, not the plain Matrix room.
    settings = NotificationSettings(
        rules=(NotificationRule("IG", platforms=("instagram",), action=RuleAction.HIGHLIGHT),)
    )
    now = datetime.now(UTC)
    decided = {
        m.conversation_id: decide(m, settings, ctx).action
        for m, ctx in await recent_from_store(mx.store, now)
    }
    assert decided[portal] is RuleAction.HIGHLIGHT
    assert decided[plain] is not RuleAction.HIGHLIGHT
    # Search finds both.
    hits = {h.message.conversation_id for h in await mx.store.search("croissants")}
    assert {portal, plain} <= hits
    # The same person writing to the business Instagram account merges with the portal.
    business = Conversation(
        account_id="bakery-ig",
        remote_id="aWdfbusiness1",
        platform=Platform.INSTAGRAM,
        customer=Identity("bakery-ig", "1790001", name="Ana Souza", username="ana.souza"),
        updated_at=now,
    )
    await mx.store.apply_batch(
        "bakery-ig",
        platform=Platform.INSTAGRAM,
        conversations=[business],
        messages=[
            InboxMessage(
                "bakery-ig", "m_1", "aWdfbusiness1", "1790001", now, text="order for friday"
            )
        ],
    )
    person = await mx.store.link_people((mx.account_id, portal), ("bakery-ig", "aWdfbusiness1"))
    timeline = await mx.store.person_timeline(person, None, 10)
    assert {m.text for m in timeline} == {"personal hello about croissants", "order for friday"}
    # Export streams Matrix messages like the rest.
    exported = [m.text async for m in mx.store.iter_messages(account_id=mx.account_id)]
    assert sorted(exported) == ["matrix hello about croissants", "personal hello about croissants"]


async def test_privacy_bodies_and_names_off_apply_to_matrix(
    mx: MatrixRig, bridge: FakeBridge
) -> None:
    mx.set_privacy(store_bodies=False, sync_contacts=False)
    portal, _ = await bridged_and_plain(mx, bridge)
    [message] = await mx.messages(portal)
    assert message.text == "" and message.sender_name == ""
    conversation = await mx.store.get_conversation(mx.account_id, portal)
    assert conversation is not None and "Ana" not in conversation.customer.display_name
    assert await mx.store.search("croissants") == []
