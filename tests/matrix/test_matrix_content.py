"""What arrives from Matrix rooms: attachments as authenticated links, encrypted rooms."""

from __future__ import annotations

import httpx

from tests.matrix.conftest import MatrixRig
from tests.matrixpeer import Peer
from tui.adapters.matrix_events import ENCRYPTED_TEXT


async def test_an_attachment_is_a_labelled_authenticated_media_link(mx: MatrixRig) -> None:
    room = mx.dm()
    upload = httpx.post(
        f"{mx.server.url}/_matrix/media/v3/upload",
        params={"filename": "cake.png"},
        content=b"\x89PNG fake cake",
        headers={
            "Authorization": mx.bob.http.headers["Authorization"],
            "Content-Type": "image/png",
        },
    )
    mxc = upload.json()["content_uri"]
    mx.bob.send(
        room,
        {
            "msgtype": "m.image",
            "body": "cake.png",
            "url": mxc,
            "info": {"mimetype": "image/png", "size": 15},
        },
    )
    await mx.engine.run_once()
    [message] = await mx.messages(room)
    [attachment] = message.attachments
    assert (attachment.kind, attachment.name, attachment.mime_type, attachment.size) == (
        "image",
        "cake.png",
        "image/png",
        15,
    )
    assert attachment.url is not None
    assert "/_matrix/client/v1/media/download/" in attachment.url
    # The link needs the account's token: nothing is fetched without it, or automatically.
    assert httpx.get(attachment.url).status_code == 401
    fetched = httpx.get(attachment.url, headers={"Authorization": f"Bearer {mx.me.access_token}"})
    assert fetched.content == b"\x89PNG fake cake"


async def test_an_encrypted_room_is_listed_and_says_it_cannot_be_read(mx: MatrixRig) -> None:
    room = mx.bob.create_room(
        name="Secret plans",
        invite=(mx.me.user_id,),
        initial_state=[
            {
                "type": "m.room.encryption",
                "state_key": "",
                "content": {"algorithm": "m.megolm.v1.aes-sha2"},
            }
        ],
    )
    Peer(mx.server, mx.me.access_token, mx.me.user_id).join(room)
    mx.bob.send(
        room,
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg",
            "device_id": "BOBDEVICE",
            "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
            "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
        },
        "m.room.encrypted",
    )
    await mx.engine.run_once()
    conversation = await mx.store.get_conversation(mx.account_id, room)
    assert conversation is not None and conversation.customer.name == "Secret plans"
    [message] = await mx.messages(room)
    assert message.text == ENCRYPTED_TEXT and message.unsupported
    assert "cannot read" in conversation.snippet
