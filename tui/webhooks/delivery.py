"""One signed delivery -> the events it holds, each with a stable key for deduplication.

Meta batches: one POST holds ``entry`` objects (one per Page or Instagram account), each
with a ``messaging`` (or, when another app is the thread's primary receiver, ``standby``)
list of events. Retries resend the same events, possibly grouped differently, so the key
is taken from the event itself, never from the delivery.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from tui.store.webhooks import WebhookRecord

LISTS = ("messaging", "standby")


class BadDelivery(ValueError):
    """A signed body that is not a webhook delivery (no ``object`` and ``entry`` list)."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _millis(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Entries carry milliseconds; some Instagram fields have been seen in seconds.
    return int(value if value > 10**11 else value * 1000)


def split_delivery(body: bytes) -> list[WebhookRecord]:
    """The events of a delivery in the order given; raises ``BadDelivery``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadDelivery("the body is not JSON") from None
    if not isinstance(data, Mapping):
        raise BadDelivery("the body is not a JSON object")
    obj, entries = data.get("object"), data.get("entry")
    if not isinstance(obj, str) or not isinstance(entries, list):
        raise BadDelivery("no object and entry list")
    records: list[WebhookRecord] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        entry_id = str(entry.get("id", ""))
        entry_time = _millis(entry.get("time")) or 0
        for source in LISTS:
            events = entry.get(source)
            for event in events if isinstance(events, list) else []:
                if isinstance(event, Mapping):
                    records.append(_record(obj, entry_id, entry_time, source, event))
        changes = entry.get("changes")
        for change in changes if isinstance(changes, list) else []:
            if isinstance(change, Mapping):
                records.append(_record(obj, entry_id, entry_time, "changes", change))
    return records


def _record(
    obj: str, entry_id: str, entry_time: int, source: str, event: Mapping[str, Any]
) -> WebhookRecord:
    text = _canonical(event)
    key = hashlib.sha256(f"{obj}\n{entry_id}\n{source}\n{text}".encode()).hexdigest()
    at = _millis(event.get("timestamp")) or entry_time
    payload = _canonical({"source": source, "event": event})
    return WebhookRecord(key, obj, entry_id, at, payload)
