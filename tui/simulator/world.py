"""The simulated world: a Page, its Instagram account, a second Instagram account, customers."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tui.simulator import texts

MESSENGER = "messenger"
INSTAGRAM = "instagram"
PAGE_KEY = "demo-page"
IG_PAGE_KEY = "demo-ig"
IG_LOGIN_KEY = "demo-iglogin"
LONG_THREAD = 26
"""The first Instagram thread of each account is longer than the 20-message detail limit."""

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class IdFactory:
    """Meta-shaped ids from one seeded random stream, never repeating."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value

    def digits(self, length: int, prefix: str = "") -> str:
        def make() -> str:
            first = prefix or str(self.rng.randint(1, 9))
            rest = length - len(first)
            return first + "".join(str(self.rng.randint(0, 9)) for _ in range(rest))

        return self._unique(make)

    def b64ish(self, length: int) -> str:
        return "".join(self.rng.choice(_B64) for _ in range(length))

    def token(self, prefix: str, length: int = 120) -> str:
        alphabet = _B64[:62]
        return self._unique(
            lambda: prefix + "".join(self.rng.choice(alphabet) for _ in range(length))
        )

    def conversation_id(self, platform: str) -> str:
        if platform == MESSENGER:
            return self._unique(lambda: "t_" + self.digits(17, "10"))
        raw = f"ig_t:1:IGConversation:{self.digits(17, '1784')}:{self.digits(17, '3402')}"
        return self._unique(lambda: "aWdfZAG06" + _b64(raw)[9:])

    def message_id(self, platform: str) -> str:
        if platform == MESSENGER:
            return self._unique(lambda: "m_" + self.b64ish(86))
        return self._unique(lambda: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE" + self.b64ish(60))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass
class Customer:
    """A person as one account sees them (PSID or IGSID)."""

    id: str
    name: str
    username: str
    blocked: bool = False
    has_role: bool = False
    """A tester/admin of the app: the only people a Standard Access app may message."""

    @property
    def profile_pic(self) -> str:
        return f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={self.id}&ext=1"


@dataclass
class SimMessage:
    """One stored message; ``from_customer`` says which side wrote it."""

    id: str
    created_at: datetime
    from_customer: bool
    text: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    story: dict[str, Any] | None = None
    reactions: list[dict[str, Any]] = field(default_factory=list)
    is_unsupported: bool = False
    reply_to: dict[str, Any] | None = None
    """An inline reply's ``{"mid", "is_self_reply"}`` (the message it quotes)."""


@dataclass
class SimConversation:
    """One thread between an account and a customer; ``messages`` is oldest first."""

    id: str
    inbox_key: str
    customer: Customer
    messages: list[SimMessage] = field(default_factory=list)
    updated_at: datetime | None = None
    unread_count: int = 0
    last_inbound_at: datetime | None = None
    folder: str = "inbox"
    quiet: bool = False
    """The traffic generator leaves quiet threads alone, so their reply window closes."""


@dataclass
class Inbox:
    """A messaging account: the Page's Messenger, the Page's Instagram, or an IG Login one."""

    key: str
    platform: str
    api: str | None
    owner_id: str
    owner_name: str
    owner_username: str
    page_id: str | None
    customers: dict[str, Customer] = field(default_factory=dict)
    conversations: list[SimConversation] = field(default_factory=list)

    @property
    def host(self) -> str:
        return "graph.instagram.com" if self.api == "instagram_login" else "graph.facebook.com"

    def participant(self) -> dict[str, str]:
        if self.platform == MESSENGER:
            return {
                "name": self.owner_name,
                "email": f"{self.owner_id}@facebook.com",
                "id": self.owner_id,
            }
        return {"username": self.owner_username, "id": self.owner_id}

    def person(self, customer: Customer) -> dict[str, str]:
        if self.platform == MESSENGER:
            return {
                "name": customer.name,
                "email": f"{customer.id}@facebook.com",
                "id": customer.id,
            }
        return {"username": customer.username, "id": customer.id}


@dataclass
class World:
    """Everything the simulator knows; inspectable from tests."""

    seed: int
    ids: IdFactory
    app_id: str
    app_secret: str
    user_id: str
    page_id: str
    ig_page_id: str
    ig_login_id: str
    ig_login_app_scoped_id: str
    inboxes: dict[str, Inbox] = field(default_factory=dict)
    conversations: dict[str, SimConversation] = field(default_factory=dict)
    messages: dict[str, tuple[SimConversation, SimMessage]] = field(default_factory=dict)
    ig_app_id: str = ""
    """Instagram Login's own app id ("Instagram app ID"), distinct from the Facebook app's."""
    ig_app_secret: str = ""
    """Instagram Login's own secret: it signs IG exchanges and IG ``appsecret_proof``s."""
    tokens: dict[str, str] = field(default_factory=dict)
    """Named seeded tokens: ``page``, ``user``, ``app``, ``ig_login``, ``user_short``, ..."""

    def inbox(self, key_or_id: str) -> Inbox | None:
        """Find an inbox by its config id, its platform alias or its owner id."""
        aliases = {"messenger": PAGE_KEY, "instagram": IG_PAGE_KEY, "instagram_login": IG_LOGIN_KEY}
        key = aliases.get(key_or_id, key_or_id)
        if key in self.inboxes:
            return self.inboxes[key]
        for inbox in self.inboxes.values():
            if inbox.owner_id == key_or_id:
                return inbox
        return None

    def add_message(self, conv: SimConversation, message: SimMessage) -> None:
        conv.messages.append(message)
        self.messages[message.id] = (conv, message)
        if conv.updated_at is None or message.created_at > conv.updated_at:
            conv.updated_at = message.created_at
        if message.from_customer:
            conv.last_inbound_at = max(
                conv.last_inbound_at or message.created_at, message.created_at
            )

    def new_customer(self, inbox: Inbox, name: str | None = None) -> Customer:
        rng = self.ids.rng
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
        full = name or f"{first} {last}"
        handle = f"{rng.choice(texts.USERNAME_WORDS)}.{first.lower()}{rng.randint(1, 99)}"
        handle = handle.encode("ascii", "ignore").decode() or f"user{rng.randint(100, 999)}"
        length = rng.choice((16, 17)) if inbox.platform == MESSENGER else rng.choice((15, 16, 17))
        customer = Customer(id=self.ids.digits(length), name=full, username=handle)
        inbox.customers[customer.id] = customer
        return customer

    def new_conversation(self, inbox: Inbox, customer: Customer) -> SimConversation:
        conv = SimConversation(self.ids.conversation_id(inbox.platform), inbox.key, customer)
        inbox.conversations.append(conv)
        self.conversations[conv.id] = conv
        return conv


# How long ago each seeded thread was last active, cycling; picked so that the demo shows
# open, closing-soon, human-agent-only and closed reply windows side by side.
_AGES = [
    timedelta(minutes=4),
    timedelta(minutes=50),
    timedelta(hours=3),
    timedelta(hours=23, minutes=52),
    timedelta(hours=30),
    timedelta(days=9),
]


def build_world(seed: int, now: datetime, conversations: int, messages: int) -> World:
    """The seeded world; same seed and start time give the same world, ids included."""
    rng = random.Random(seed)
    ids = IdFactory(rng)
    world = World(
        seed=seed,
        ids=ids,
        app_id=ids.digits(16),
        app_secret=ids.b64ish(32).replace("-", "a").replace("_", "b").lower(),
        user_id=ids.digits(17),
        page_id=ids.digits(15, "10"),
        ig_page_id=ids.digits(17, "1784"),
        ig_login_id=ids.digits(17, "1784"),
        ig_login_app_scoped_id=ids.digits(17, "2"),
    )
    # A separate stream, so that adding the second app changed no other seeded id.
    second = random.Random(seed * 7841 + 11)
    world.ig_app_id = str(second.randint(10**15, 10**16 - 1))
    world.ig_app_secret = "".join(second.choice("0123456789abcdef") for _ in range(32))
    world.inboxes[PAGE_KEY] = Inbox(
        PAGE_KEY, MESSENGER, None, world.page_id, texts.PAGE_NAME, "", world.page_id
    )
    world.inboxes[IG_PAGE_KEY] = Inbox(
        IG_PAGE_KEY,
        INSTAGRAM,
        "page",
        world.ig_page_id,
        texts.PAGE_NAME,
        texts.IG_PAGE_USERNAME,
        world.page_id,
    )
    world.inboxes[IG_LOGIN_KEY] = Inbox(
        IG_LOGIN_KEY,
        INSTAGRAM,
        "instagram_login",
        world.ig_login_id,
        texts.IG_LOGIN_NAME,
        texts.IG_LOGIN_USERNAME,
        None,
    )
    for inbox in world.inboxes.values():
        for index in range(conversations):
            _seed_conversation(world, inbox, index, now, messages)
    return world


def _seed_conversation(world: World, inbox: Inbox, index: int, now: datetime, count: int) -> None:
    rng = world.ids.rng
    customer = world.new_customer(inbox)
    conv = world.new_conversation(inbox, customer)
    if inbox.platform == INSTAGRAM and index == 0:
        count = max(count, LONG_THREAD)
    # The last thread of the Page is with someone who blocked it: sends fail with 551.
    customer.blocked = inbox.platform == MESSENGER and index == 5
    customer.has_role = index == 0
    conv.quiet = index % 3 == 2
    last = now - _AGES[index % len(_AGES)] - timedelta(seconds=rng.randint(0, 120) + index * 7)
    gaps = [timedelta(minutes=rng.randint(1, 90)) for _ in range(count - 1)]
    moment = last - sum(gaps, timedelta())
    for n in range(count):
        is_last = n == count - 1
        from_customer = (
            n == 0 or (is_last and index % 4 != 1) or (not is_last and rng.random() < 0.6)
        )
        pool = texts.INBOUND_TEXTS if from_customer else texts.OUTBOUND_TEXTS
        msg = SimMessage(
            world.ids.message_id(inbox.platform), moment, from_customer, rng.choice(pool)
        )
        _decorate(world, inbox, index, n, msg)
        world.add_message(conv, msg)
        if n < count - 1:
            moment += gaps[n]
    trailing = 0
    for msg in reversed(conv.messages):
        if not msg.from_customer:
            break
        trailing += 1
    conv.unread_count = trailing if index % 6 < 3 else 0
    if inbox.platform == INSTAGRAM and index == 3:
        _add_reaction(world, conv)
    if inbox.platform == INSTAGRAM and index == 1 and len(conv.messages) > 1:
        # The thread's last message quotes the one before it (Instagram's inline reply).
        quoted, last_msg = conv.messages[-2], conv.messages[-1]
        last_msg.reply_to = {
            "mid": quoted.id,
            "is_self_reply": quoted.from_customer == last_msg.from_customer,
        }


def _decorate(world: World, inbox: Inbox, index: int, n: int, msg: SimMessage) -> None:
    """Sprinkle attachments, story replies and odd messages, the way real inboxes look."""
    rng = world.ids.rng
    if msg.from_customer and rng.random() < 0.1:
        msg.attachments.append(image_attachment(world, inbox.platform))
        if rng.random() < 0.5:
            msg.text = ""
    if inbox.platform == MESSENGER and index == 1 and n == 0:
        msg.attachments.append(file_attachment(world, "order-list.pdf", "application/pdf"))
    if inbox.platform == INSTAGRAM and index == 2 and n == 0 and msg.from_customer:
        story_id = world.ids.digits(17, "179")
        msg.story = {
            "reply_to": {
                "link": f"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={story_id}",
                "id": story_id,
            }
        }
        msg.text = rng.choice(texts.STORY_REPLY_TEXTS)
    if inbox.platform == INSTAGRAM and index == 4 and n == 1:
        msg.is_unsupported = True
        msg.text = ""


def _add_reaction(world: World, conv: SimConversation) -> None:
    """The customer reacts to the account's latest message; that reopens the reply window."""
    own = [m for m in conv.messages if not m.from_customer]
    if not own:
        return
    target = own[-1]
    emoji = world.ids.rng.choice(texts.REACTIONS)
    target.reactions.append(
        {"reaction": emoji, "users": [{"id": conv.customer.id, "username": conv.customer.username}]}
    )
    reacted_at = target.created_at + timedelta(minutes=2)
    conv.last_inbound_at = max(conv.last_inbound_at or reacted_at, reacted_at)


def image_attachment(world: World, platform: str) -> dict[str, Any]:
    rng = world.ids.rng
    width, height = rng.choice(((1080, 1350), (1280, 720), (720, 1280), (1024, 1024)))
    asset = world.ids.digits(16)
    url = f"https://scontent.xx.fbcdn.net/v/t1.15752-9/{asset}_n.jpg?_nc_cat=1&oh=sim"
    attachment: dict[str, Any] = {
        "id": world.ids.digits(16),
        "mime_type": "image/jpeg",
        "name": f"image-{asset}.jpg",
        "size": rng.randint(40_000, 900_000),
        "image_data": {
            "width": width,
            "height": height,
            "max_width": width,
            "max_height": height,
            "url": url,
            "preview_url": url.replace("_n.jpg", "_s.jpg"),
            "render_as_sticker": False,
        },
    }
    if platform == INSTAGRAM:
        attachment.pop("name")
    return attachment


def file_attachment(world: World, name: str, mime_type: str) -> dict[str, Any]:
    asset = world.ids.digits(16)
    return {
        "id": world.ids.digits(16),
        "mime_type": mime_type,
        "name": name,
        "size": world.ids.rng.randint(20_000, 400_000),
        "file_url": f"https://cdn.fbsbx.com/v/t59.2708-21/{asset}/{name}?_nc_cat=1&oh=sim",
    }
