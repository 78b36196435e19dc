"""Labels are searchable: ``label:vip`` and ``#vip`` find the labelled conversations (item 7)."""

from __future__ import annotations

from tests.ux.conftest import Rig


async def test_label_and_hash_find_labelled_conversations(rig: Rig) -> None:
    store = rig.runtime.store
    await store.set_labels(rig.fb, "t_ana", ["VIP", "order"])
    for query in ("label:vip", "#vip", "label:VIP sourdough", "#order"):
        hits = await store.search(query, limit=50)
        assert hits, query
        assert {h.message.conversation_id for h in hits} == {"t_ana"}, query
    assert await store.search("label:nosuch", limit=50) == []
    await store.set_labels(rig.fb, "t_ana", ["order"])  # vip removed
    assert await store.search("#vip", limit=50) == []
