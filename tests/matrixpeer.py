"""The other side of the Matrix tests: a plain client for a second user, and a fake bridge.

Both speak the Client-Server API directly over httpx, as any other client would. The
fake bridge is an application service registered with the test Synapse (see
``tests/synapse.py``): it creates portal rooms carrying ``m.bridge`` and
``uk.half-shot.bridge`` state shaped like mautrix-meta's, and writes as puppet users.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.synapse import (
    BRIDGE_LOCALPART,
    PUPPET_PREFIX,
    SERVER_NAME,
    MatrixUser,
    SynapseServer,
    tls,
)

_txn = itertools.count()

PROTOCOLS = {
    "instagram": {"id": "instagram", "displayname": "Instagram"},
    "facebook": {"id": "facebook", "displayname": "Facebook Messenger"},
}


def _q(value: str) -> str:
    return quote(value, safe="")


class Peer:
    """A second Matrix user, driving a real homeserver the way another client would."""

    def __init__(self, server: SynapseServer, token: str, user_id: str) -> None:
        self.user_id = user_id
        self.http = httpx.Client(
            base_url=server.url + "/_matrix/client/v3",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            verify=tls(),
        )

    @classmethod
    def of(cls, server: SynapseServer, user: MatrixUser) -> Peer:
        return cls(server, user.access_token, user.user_id)

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def create_room(
        self, *, name: str | None = None, invite: tuple[str, ...] = (), **extra: Any
    ) -> str:
        body: dict[str, Any] = {"preset": "private_chat", "invite": list(invite), **extra}
        if name:
            body["name"] = name
        return str(self._ok(self.http.post("/createRoom", json=body))["room_id"])

    def join(self, room_id: str) -> None:
        self._ok(self.http.post(f"/join/{_q(room_id)}", json={}))

    def send(self, room_id: str, content: dict[str, Any], kind: str = "m.room.message") -> str:
        path = f"/rooms/{_q(room_id)}/send/{kind}/t{next(_txn)}-{secrets.token_hex(4)}"
        return str(self._ok(self.http.put(path, json=content))["event_id"])

    def say(self, room_id: str, text: str) -> str:
        return self.send(room_id, {"msgtype": "m.text", "body": text})

    def edit(self, room_id: str, event_id: str, text: str) -> str:
        return self.send(
            room_id,
            {
                "msgtype": "m.text",
                "body": f"* {text}",
                "m.new_content": {"msgtype": "m.text", "body": text},
                "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
            },
        )

    def react(self, room_id: str, event_id: str, key: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return self.send(room_id, content, "m.reaction")

    def redact(self, room_id: str, event_id: str) -> str:
        path = f"/rooms/{_q(room_id)}/redact/{_q(event_id)}/r{next(_txn)}"
        return str(self._ok(self.http.put(path, json={}))["event_id"])

    def typing(self, room_id: str, on: bool) -> None:
        path = f"/rooms/{_q(room_id)}/typing/{_q(self.user_id)}"
        self._ok(
            self.http.put(path, json={"typing": on, "timeout": 30000} if on else {"typing": False})
        )

    def joined_rooms(self) -> set[str]:
        return set(self._ok(self.http.get("/joined_rooms"))["joined_rooms"])

    def messages(self, room_id: str, limit: int = 50) -> list[dict[str, Any]]:
        reply = self.http.get(f"/rooms/{_q(room_id)}/messages", params={"dir": "b", "limit": limit})
        chunk: list[dict[str, Any]] = self._ok(reply)["chunk"]
        return chunk

    def sync(self, since: str | None = None, timeout: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"timeout": timeout}
        if since:
            params["since"] = since
        return self._ok(self.http.get("/sync", params=params))


class FakeBridge:
    """An application service playing mautrix-meta: portal rooms, puppets, bridge state."""

    def __init__(self, server: SynapseServer) -> None:
        self.server = server
        self.bot = f"@{'metabot'}:{SERVER_NAME}"
        self.http = httpx.Client(
            base_url=server.url + "/_matrix/client/v3",
            headers={"Authorization": f"Bearer {server.as_token}"},
            timeout=60,
            verify=tls(),
        )
        self._puppets: set[str] = set()

    def close(self) -> None:
        self.http.close()

    def puppet(self, remote_id: str, displayname: str) -> str:
        """The puppet user standing for a remote Instagram/Messenger user."""
        localpart = f"{PUPPET_PREFIX}{remote_id}"
        user_id = f"@{localpart}:{SERVER_NAME}"
        if user_id not in self._puppets:
            reply = self.http.post(
                "/register", json={"type": "m.login.application_service", "username": localpart}
            )
            if reply.status_code != 400:  # M_USER_IN_USE when a test made it before
                reply.raise_for_status()
            self.http.put(
                f"/profile/{_q(user_id)}/displayname",
                params={"user_id": user_id},
                json={"displayname": displayname},
            ).raise_for_status()
            self._puppets.add(user_id)
        return user_id

    def portal(self, protocol: str, puppet: str, user: str, *, channel: str = "") -> str:
        """A DM portal room: bridge state, the puppet joined, the user invited."""
        bridge = {
            "bridgebot": self.bot,
            "protocol": PROTOCOLS[protocol],
            "channel": {"id": channel or puppet},
        }
        state_key = f"fi.mau.meta://{protocol}/{channel or puppet}"
        body = {
            "preset": "private_chat",
            "is_direct": True,
            "invite": [puppet, user],
            "initial_state": [
                {"type": "m.bridge", "state_key": state_key, "content": bridge},
                {"type": "uk.half-shot.bridge", "state_key": state_key, "content": bridge},
            ],
        }
        reply = self.http.post("/createRoom", json=body)
        reply.raise_for_status()
        room_id = str(reply.json()["room_id"])
        self.http.post(
            f"/join/{_q(room_id)}", params={"user_id": puppet}, json={}
        ).raise_for_status()
        return room_id

    def group_as(self, puppet: str, user: str, name: str) -> str:
        """A chat a remote person made: the room created by their puppet, the user invited."""
        reply = self.http.post(
            "/createRoom",
            params={"user_id": puppet},
            json={"preset": "private_chat", "name": name, "invite": [user]},
        )
        reply.raise_for_status()
        return str(reply.json()["room_id"])

    def send_as(self, puppet: str, room_id: str, text: str, *, ts: int | None = None) -> str:
        params: dict[str, Any] = {"user_id": puppet}
        if ts is not None:
            params["ts"] = ts  # an appservice may set the timestamp (bridged history)
        reply = self.http.put(
            f"/rooms/{_q(room_id)}/send/m.room.message/b{next(_txn)}-{secrets.token_hex(4)}",
            params=params,
            json={"msgtype": "m.text", "body": text},
        )
        reply.raise_for_status()
        return str(reply.json()["event_id"])


PORTAL_STATE_EVENTS = 11
"""Events a portal room holds before its first message: ``m.room.create``, the bot's join,
power levels, join rules, history visibility, guest access and ``m.bridge`` (one
``/createRoom``), the invitations of the puppet and the user, and their joins."""


def room_lengths(rooms: int, events: int) -> list[int]:
    """How many events each room holds: ``events`` in all, the first half long rooms.

    A long room holds more than one ``/sync`` timeline (so the initial sync backfills it
    through ``/messages``); a short one arrives whole in the sync.
    """
    base = events // rooms
    spread = base // 2
    lengths = [base + spread] * (rooms // 2) + [base - spread] * (rooms - rooms // 2)
    lengths[-1] += events - sum(lengths)
    return lengths


async def fill_account(
    server: SynapseServer, user: MatrixUser, *, rooms: int = 50, events: int = 2000
) -> dict[str, list[str]]:
    """A busy personal account: ``rooms`` bridged DMs (Instagram and Messenger by turns)
    holding ``events`` events in all, every one of them delivered by an initial sync: each
    portal's own state (``PORTAL_STATE_EVENTS``) and then messages from its puppet, rooms
    long and short by turns (``room_lengths``). Returns room id -> message event ids.

    Synapse is the cost here (some 12 ms of its single core per event), so nothing is
    spent on top of it: aiohttp (cheap per request, unlike httpx), every room at once on a
    connection of its own, each room's messages in order. The more rooms in flight, the
    less Synapse spends per event (it batches their persistence and wake-ups): 35 s of its
    CPU with 4 connections, 28 s with 16, 23 s with one per room.
    """
    import aiohttp

    lengths = room_lengths(rooms, events)
    if min(lengths) <= PORTAL_STATE_EVENTS:
        raise ValueError(f"{events} events do not fill {rooms} portal rooms")
    bot = {"Authorization": f"Bearer {server.as_token}"}
    me = {"Authorization": f"Bearer {user.access_token}"}
    api = server.url + "/_matrix/client/v3"
    connector = aiohttp.TCPConnector(limit=0)  # no cap: one connection per room
    async with aiohttp.ClientSession(
        api + "/", headers=bot, connector=connector, timeout=aiohttp.ClientTimeout(total=120)
    ) as http:

        async def call(
            method: str, path: str, body: dict[str, Any], **options: Any
        ) -> dict[str, Any]:
            async with http.request(method, path.lstrip("/"), json=body, **options) as reply:
                if reply.status >= 400:
                    raise RuntimeError(f"{method} {path}: {reply.status} {await reply.text()}")
                answer: dict[str, Any] = await reply.json()
                return answer

        async def puppet(n: int) -> str:
            localpart = f"{PUPPET_PREFIX}bulk{n}_{secrets.token_hex(3)}"
            user_id = f"@{localpart}:{SERVER_NAME}"
            body = {"type": "m.login.application_service", "username": localpart}
            await call("POST", "/register", body)
            await call(
                "PUT",
                f"/profile/{_q(user_id)}/displayname",
                {"displayname": f"Friend {n}"},
                params={"user_id": user_id},
            )
            return user_id

        async def one(n: int) -> tuple[str, list[str]]:
            protocol = "instagram" if n % 2 == 0 else "facebook"
            friend = await puppet(n)
            state_key = f"fi.mau.meta://{protocol}/{friend}"
            bridge_state = {
                "bridgebot": f"@{BRIDGE_LOCALPART}:{SERVER_NAME}",
                "protocol": PROTOCOLS[protocol],
                "channel": {"id": friend},
            }
            created = await call(
                "POST",
                "/createRoom",
                {
                    "preset": "private_chat",
                    "is_direct": True,
                    "invite": [friend, user.user_id],
                    "initial_state": [
                        {"type": "m.bridge", "state_key": state_key, "content": bridge_state}
                    ],
                },
            )
            room = str(created["room_id"])
            await call("POST", f"/join/{_q(room)}", {}, params={"user_id": friend})
            await call("POST", f"/join/{_q(room)}", {}, headers=me)
            ids = []
            for m in range(lengths[n] - PORTAL_STATE_EVENTS):
                sent = await call(
                    "PUT",
                    f"/rooms/{_q(room)}/send/m.room.message/f{n}-{m}",
                    {"msgtype": "m.text", "body": f"room {n} message {m}"},
                    params={"user_id": friend},
                )
                ids.append(str(sent["event_id"]))
            return room, ids

        done = await asyncio.gather(*(one(n) for n in range(rooms)))
    return dict(done)


class BusyAccount:
    """A homeserver of its own holding one busy account, built in a background thread.

    Filling 2,000 events costs Synapse some 25 s of CPU; on its own process (the second
    core) the build overlaps with the tests that run before the one that needs it (that
    test runs last: see ``tests/conftest.py``). Stopped before it is built (a session
    cut short), the build is abandoned rather than waited for.
    """

    def __init__(self, *, rooms: int = 50, events: int = 2000) -> None:
        self.rooms_wanted = rooms
        self.events = events
        shm = Path("/dev/shm")
        self.folder = Path(
            tempfile.mkdtemp(prefix="linkdeck-busy-", dir=shm if shm.is_dir() else None)
        )
        self.server = SynapseServer(self.folder / "hs")
        self.user: MatrixUser | None = None
        self.rooms: dict[str, list[str]] = {}
        self.build_seconds = 0.0
        self._error: BaseException | None = None
        self._built = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._build, name="busy-matrix", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        began = time.monotonic()
        try:
            self.server.start()
            if self._release.is_set():
                raise RuntimeError("the session ended before the busy account was built")
            self.user = self.server.register("busy")
            self.rooms = asyncio.run(
                fill_account(self.server, self.user, rooms=self.rooms_wanted, events=self.events)
            )
        except BaseException as exc:  # handed to the waiting test
            self._error = exc
        self.build_seconds = time.monotonic() - began
        self._built.set()
        # The homeserver dies with the thread that started it (see _die_with_parent): stay.
        self._release.wait()
        self.server.stop()

    def wait(self, timeout: float = 600.0) -> MatrixUser:
        if not self._built.wait(timeout):
            raise RuntimeError("the busy Matrix account was not built in time")
        if self._error is not None:
            raise RuntimeError("building the busy Matrix account failed") from self._error
        assert self.user is not None
        return self.user

    def stop(self) -> None:
        self._release.set()
        process = self.server.process
        if not self._built.is_set() and process is not None:
            process.terminate()  # the fill's next request fails: the build ends now
        self._thread.join(600)
        shutil.rmtree(self.folder, ignore_errors=True)
