"""Each webhook event kind, from the simulator's emitter to the store, over real sockets."""

from __future__ import annotations

from pathlib import Path

from tests.webhooks.harness import WebhookPath, webhook_path
from tui.domain import PrivacySettings
from tui.domain.models import InboxMessage, MessageKind
from tui.services.sync import SyncEngine
from tui.simulator.world import IG_PAGE_KEY, PAGE_KEY


async def messages_of(path: WebhookPath, account: str, conversation: str) -> list[InboxMessage]:
    return list(await path.store.messages_page(account, conversation, None, 200))


async def test_a_customer_message_arrives_once_and_polling_keeps_one_row(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        sent = path.sim.inbound(PAGE_KEY, None, "Do you deliver on Sundays?", name="Rui Costa")
        await path.settle()
        conv = await path.store.get_conversation(PAGE_KEY, sent["conversation_id"])
        assert conv is not None and conv.customer.name == "Rui Costa"
        first = await messages_of(path, PAGE_KEY, sent["conversation_id"])
        assert [m.text for m in first] == ["Do you deliver on Sundays?"]
        # The same message read again by polling is the same row.
        engine = SyncEngine(
            path.store,
            {PAGE_KEY: path.account(PAGE_KEY)},
            path.bus,
            privacy=lambda _a: PrivacySettings(),
            clock=path.sim.clock.now,
        )
        await engine.run_once()
        again = await messages_of(path, PAGE_KEY, sent["conversation_id"])
        ids = [m.remote_id for m in again]
        assert ids.count(sent["id"]) == 1


async def test_echoes_from_the_phone_show_as_ours_once(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        first = path.sim.inbound(PAGE_KEY, None, "hello?")
        path.sim.reply_elsewhere(PAGE_KEY, first["customer_id"], "Hi! Yes we are open.")
        await path.settle()
        stored = await messages_of(path, PAGE_KEY, first["conversation_id"])
        ours = [m for m in stored if m.from_us]
        assert [m.text for m in ours] == ["Hi! Yes we are open."]
        assert ours[0].kind is MessageKind.ECHO


async def test_an_unsend_removes_the_body_from_store_and_search(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        sent = path.sim.inbound(IG_PAGE_KEY, None, "my card number is 4111 oops")
        await path.settle()
        assert [h.message.remote_id for h in await path.store.search("oops")] == [sent["id"]]
        path.sim.unsend(sent["id"])
        await path.settle()
        stored = await messages_of(path, IG_PAGE_KEY, sent["conversation_id"])
        row = next(m for m in stored if m.remote_id == sent["id"])
        assert row.removed and row.text == ""
        assert await path.store.search("oops") == []


async def test_an_unsend_that_overtakes_its_message_still_wins(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        path.sim.webhooks.configure({"down": True})
        sent = path.sim.inbound(IG_PAGE_KEY, None, "delete me")
        path.sim.unsend(sent["id"])
        # Deliver the unsend first, then the message (Meta does not promise order).
        path.sim.webhooks.queue.reverse()
        path.sim.webhooks.configure({"down": False, "batch": 1})
        await path.settle()
        stored = await messages_of(path, IG_PAGE_KEY, sent["conversation_id"])
        row = next(m for m in stored if m.remote_id == sent["id"])
        assert row.removed and row.text == ""


async def test_an_edit_replaces_the_text_and_a_late_old_copy_changes_nothing(
    tmp_path: Path,
) -> None:
    async with webhook_path(tmp_path) as path:
        sent = path.sim.inbound(PAGE_KEY, None, "see you at 5")
        await path.settle()
        path.sim.edit(sent["id"], "see you at 6")
        await path.settle()
        stored = await messages_of(path, PAGE_KEY, sent["conversation_id"])
        row = next(m for m in stored if m.remote_id == sent["id"])
        assert (row.text, row.edited) == ("see you at 6", True)
        assert await path.store.search("6")
        # Meta retries the original delivery late: the edit stays.
        path.sim.webhooks.message(
            path.sim.world.inboxes[PAGE_KEY],
            *path.sim.world.messages[sent["id"]],
        )
        path.sim.world.messages[sent["id"]][1].text = "see you at 5"
        await path.settle()
        stored = await messages_of(path, PAGE_KEY, sent["conversation_id"])
        assert next(m for m in stored if m.remote_id == sent["id"]).text == "see you at 6"


async def test_reactions_are_added_and_taken_back(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        first = path.sim.inbound(PAGE_KEY, None, "thanks")
        path.sim.reply_elsewhere(PAGE_KEY, first["customer_id"], "you're welcome")
        path.sim.react(PAGE_KEY, first["customer_id"], "❤️")
        await path.settle()
        stored = await messages_of(path, PAGE_KEY, first["conversation_id"])
        assert [m.reaction for m in stored if m.kind is MessageKind.REACTION] == ["❤️"]
        path.sim.clock.advance(5)
        path.sim.unreact(PAGE_KEY, first["customer_id"])
        await path.settle()
        stored = await messages_of(path, PAGE_KEY, first["conversation_id"])
        assert [m for m in stored if m.kind is MessageKind.REACTION] == []


async def test_reads_and_deliveries_move_the_receipts(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        first = path.sim.inbound(PAGE_KEY, None, "price?")
        path.sim.reply_elsewhere(PAGE_KEY, first["customer_id"], "12 euros")
        await path.settle()
        assert await path.store.receipts(PAGE_KEY, first["conversation_id"]) == (None, None)
        path.sim.clock.advance(30)
        path.sim.customer_reads(PAGE_KEY, first["customer_id"])
        await path.settle()
        seen, delivered = await path.store.receipts(PAGE_KEY, first["conversation_id"])
        assert seen is not None and delivered is not None


async def test_a_handover_says_another_app_owns_the_thread(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        first = path.sim.inbound(PAGE_KEY, None, "I need a human")
        await path.settle()
        assert await path.store.thread_owner(PAGE_KEY, first["conversation_id"]) == ""
        path.sim.hand_over(PAGE_KEY, first["customer_id"], "1234567890")
        path.sim.inbound(PAGE_KEY, first["customer_id"], "hello? (to the other app)")
        await path.settle()
        assert await path.store.thread_owner(PAGE_KEY, first["conversation_id"]) == "1234567890"
        stored = await messages_of(path, PAGE_KEY, first["conversation_id"])
        assert "hello? (to the other app)" in [m.text for m in stored]
