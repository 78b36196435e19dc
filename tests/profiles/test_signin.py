"""Signing in against the simulator: device login, exchange, what a token can reach."""

from __future__ import annotations

import pytest

from tests.profiles.conftest import SIM_URL, Rig
from tui.services.signin import (
    DeviceCodeExpired,
    LinkPlatform,
    SignIn,
    SignInError,
    suggest_account_id,
)


async def signed_in(rig: Rig, platform: LinkPlatform) -> SignIn:
    signin = SignIn(platform, graph_url=SIM_URL, transport=rig.transport, clock=rig.sim.clock.now)
    await signin.discover_simulator()
    return signin


async def test_device_login_waits_for_the_phone_then_gives_a_user_token(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.MESSENGER)
    device = await signin.start_device_login()
    assert len(device.user_code) == 8
    assert device.verification_uri == "https://www.facebook.com/device"
    token, delay = await signin.poll_device_login(device)
    assert token is None and delay == device.interval
    await rig.post(f"/_sim/device/{device.user_code}", {"approve": True})
    rig.sim.clock.advance(device.interval)
    token, _ = await signin.poll_device_login(device)
    assert token and token.startswith("EAA")
    targets = await signin.targets(token)
    assert [(t.name, t.page_id) for t in targets] == [
        ("Le Petit Four Bakery", rig.sim.world.page_id)
    ]
    await signin.aclose()


async def test_polling_too_fast_is_told_to_slow_down(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.MESSENGER)
    device = await signin.start_device_login()
    await signin.poll_device_login(device)
    _, delay = await signin.poll_device_login(device)
    assert delay > device.interval
    await signin.aclose()


async def test_an_expired_device_code_ends_the_wait(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.INSTAGRAM_PAGE)
    device = await signin.start_device_login()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        rig.sim.clock.advance(seconds)

    with pytest.raises(DeviceCodeExpired):
        await signin.wait_for_device_login(device, sleep=sleep)
    assert 400 <= sum(waits) <= 425
    await signin.aclose()


async def test_declining_on_the_phone_ends_the_wait(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.MESSENGER)
    device = await signin.start_device_login()
    await rig.post(f"/_sim/device/{device.user_code}", {"approve": False})
    with pytest.raises(DeviceCodeExpired):
        await signin.poll_device_login(device)
    await signin.aclose()


async def test_a_declined_permission_is_named_with_what_it_disables(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.MESSENGER)
    device = await signin.start_device_login()
    scopes = ["pages_show_list", "pages_manage_metadata", "pages_read_engagement"]
    await rig.post(f"/_sim/device/{device.user_code}", {"approve": True, "scopes": scopes})
    token, _ = await signin.poll_device_login(device)
    assert token is not None
    [target] = await signin.targets(token)
    verification = await signin.check(target)
    assert verification.token_valid
    assert verification.missing == {"pages_messaging": "cannot read or answer messages"}
    await signin.aclose()


async def test_instagram_via_page_lists_the_linked_instagram_account(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.INSTAGRAM_PAGE)
    [target] = await signin.targets(rig.sim.world.tokens["user"])
    assert target.ig_user_id == rig.sim.world.ig_page_id
    assert target.page_id == rig.sim.world.page_id
    assert target.username == "lepetitfour.bakery"
    await signin.aclose()


async def test_a_pasted_page_token_is_its_own_page(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.MESSENGER)
    page_token = rig.sim.world.tokens["page"]
    [target] = await signin.targets(page_token)
    assert target.page_id == rig.sim.world.page_id and target.token == page_token
    await signin.aclose()


async def test_instagram_login_short_token_is_exchanged_for_a_long_lived_one(rig: Rig) -> None:
    signin = await signed_in(rig, LinkPlatform.INSTAGRAM_LOGIN)
    short = rig.sim.world.tokens["ig_short"]
    token, expires = await signin.exchange(short)
    assert token != short and token.startswith("IGAA")
    assert expires is not None and (expires - rig.sim.clock.now()).days == 59
    [target] = await signin.targets(token)
    assert target.ig_user_id == rig.sim.world.ig_login_id
    # A long-lived token is kept as it is.
    again, _ = await signin.exchange(token)
    assert again == token
    await signin.aclose()


async def test_without_app_credentials_device_login_says_what_to_set(rig: Rig) -> None:
    signin = SignIn(LinkPlatform.MESSENGER, transport=rig.transport)
    with pytest.raises(SignInError, match="LINKDECK_APP_ID"):
        await signin.start_device_login()
    token, expires = await signin.exchange("EAAshort")
    assert (token, expires) == ("EAAshort", None)
    assert any("LINKDECK_APP_SECRET" in note for note in signin.notes)


def test_account_ids_are_short_and_unique() -> None:
    assert suggest_account_id("Le Petit Four Bakery", []) == "le-petit-four-bakery"
    assert suggest_account_id("shop", ["shop", "shop-2"]) == "shop-3"
    assert suggest_account_id("!!!", []) == "account"
