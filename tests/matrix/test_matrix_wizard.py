"""The link wizard's Matrix path, driven by keys, against the real Synapse."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList

from tests.matrix.conftest import unique
from tests.matrixpeer import FakeBridge, Peer
from tests.pilot import wait_until
from tests.profiles.conftest import make_rig
from tests.profiles.test_wizard_ui import open_wizard
from tests.synapse import SynapseServer
from tui.app import DashboardApp
from tui.config.secrets import read_secrets
from tui.domain import Platform
from tui.modals.matrix_link import MatrixLinkScreen


async def test_wizard_links_matrix_and_a_bridged_instagram_chat_arrives_beside_business(
    synapse: SynapseServer, bridge: FakeBridge, tmp_path: Path
) -> None:
    user = synapse.register(unique("wiz"))
    rig = await make_rig(tmp_path)
    app = DashboardApp(runtime=rig.runtime, user_themes_dir=tmp_path / "themes")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: pilot.app.focused is not None)
            await open_wizard(pilot)
            await wait_until(pilot, lambda: bool(pilot.app.screen.query("#platform-list")))
            options = pilot.app.screen.query_one("#platform-list", OptionList)
            options.focus()
            options.highlighted = options.option_count - 1
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, MatrixLinkScreen))
            screen = pilot.app.screen

            def focused_on(name: str) -> bool:
                return screen.focused is not None and screen.focused.id == name

            async def type_into(name: str, text: str) -> None:
                await wait_until(pilot, lambda: focused_on(name))
                field = screen.query_one(f"#{name}", Input)
                field.value = text
                await pilot.press("enter")

            await type_into("matrix-user", user.user_id)
            # The homeserver guess (from .well-known) lands first; the user types over it.
            await wait_until(pilot, lambda: bool(screen.query_one("#matrix-hs", Input).value))
            await type_into("matrix-hs", synapse.url)
            await type_into("matrix-pw", user.password)
            await wait_until(pilot, lambda: focused_on("matrix-id"))
            await pilot.press("enter")  # the suggested local id
            runtime = rig.runtime
            await wait_until(
                pilot,
                lambda: any(a.platform is Platform.MATRIX for a in runtime.prefs.accounts),
                timeout=60,
            )
            [account] = [a for a in runtime.prefs.accounts if a.platform is Platform.MATRIX]
            assert account.user_id == user.user_id and account.homeserver == synapse.url
            assert user.password not in rig.config.read_text()
            assert account.id in read_secrets(rig.config.with_name("secrets.toml"))

            ana = bridge.puppet(unique("ig_"), "Ana Souza")
            portal = bridge.portal("instagram", ana, user.user_id)
            Peer(synapse, user.access_token, user.user_id).join(portal)
            bridge.send_as(ana, portal, "hi from my personal instagram")

            async def arrived() -> bool:
                c = await runtime.store.get_conversation(account.id, portal)
                return (
                    c is not None
                    and c.message_count == 1
                    and c.snippet == "hi from my personal instagram"
                )

            for _ in range(600):
                if await arrived():
                    break
                await pilot.pause(0.1)
            conversation = await runtime.store.get_conversation(account.id, portal)
            assert conversation is not None
            assert (conversation.platform, conversation.customer.name) == (
                Platform.INSTAGRAM,
                "Ana Souza",
            )
            # Beside Meta accounts with an app secret, the Matrix token is checked by its
            # homeserver only: Meta's debug_token called it invalid and paused the sync.
            verification = await rig.manager().verify(account.id)
            assert verification is not None and verification.token_valid
    finally:
        await rig.control.aclose()
        await rig.runtime.close()
