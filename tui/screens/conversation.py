"""One conversation's history and composer, or one person's merged timeline."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from tui.domain import AccountState, Conversation, InboxMessage, OutboxState
from tui.domain.confusables import DISGUISE_MARK, fold_known
from tui.domain.safetext import sanitize
from tui.domain.window import ReplyWindow, WindowState, is_matrix_room, reply_window
from tui.modals.confirm import ConfirmRetry
from tui.screens.full_text import FullTextScreen
from tui.services.api import Service
from tui.services.events import ConversationsChanged, Event, MessagesArrived, OutboxChanged
from tui.store.views import InboxView
from tui.widgets.composer import Composer, send_refusal
from tui.widgets.history import PLATFORM_LABEL, History
from tui.widgets.hotlist import HotlistBar, find_hotlist
from tui.widgets.safe import private, safe

__all__ = ["ConversationScreen"]

DRAFT_DEBOUNCE = 0.5
"""Seconds of no typing before the draft is written (a crash loses at most this much)."""
TYPING_EVERY = timedelta(seconds=5)
"""At most one typing indicator per this long while the user types."""
_OPEN_STATES = (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED, OutboxState.UNKNOWN)


class ConversationScreen(Screen[None]):
    """History (newest at the bottom, older pages as the user scrolls up) and a composer.

    With ``person_id`` it shows the person's messages on every account merged, and a
    reply goes to the conversation where they last wrote unless the user picks another.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="conversation.back"),
        Binding("r", "reply", "Reply", id="conversation.reply"),
        Binding("ctrl+t", "human_agent", "HUMAN_AGENT tag", id="conversation.human-agent"),
        Binding("ctrl+r", "retry", "Retry failed", id="conversation.retry"),
        Binding("ctrl+o", "next_target", "Reply via…", id="conversation.target"),
        Binding("f", "read_full", "Full text", id="conversation.full-text"),
        Binding(
            "greater_than_sign", "reply_to_message", "Reply to message", id="conversation.reply-to"
        ),
    ]
    DEFAULT_CSS = """
    ConversationScreen {
        & > #conversation-title {
            height: 1;
            background: $panel;
            padding: 0 1;
        }
        & > #conversation-hotlist {
            width: 1fr;
            background: $panel;
            padding: 0 1;
        }
    }
    """

    def __init__(
        self,
        service: Service,
        *,
        account_id: str | None = None,
        conversation_id: str | None = None,
        person_id: int | None = None,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
        compose: bool = True,
    ) -> None:
        super().__init__()
        self.service = service
        self.start_in_composer = compose
        """Focus the composer on open (``r``); else the history, for reading (Enter)."""
        self.account_id = account_id
        self.conversation_id = conversation_id
        self.person_id = person_id
        self.clock = clock or service.clock
        self.tz = tz
        self.targets: list[Conversation] = []
        """The conversations shown (one, or each of the person's), in the order cycled."""
        self.target_index = 0
        self.human_agent = False
        self.picked = False
        """Whether the user chose the reply target (else it follows the person's last message)."""
        self.ready = False
        """Set once the first page and the reply target are loaded."""
        self._last_typing: datetime | None = None
        self.owner_app = ""
        """Another app's id when it owns the thread (handover protocol), else empty."""
        self._draft_timer: Timer | None = None
        self._draft_lock = asyncio.Lock()
        self.lookalikes: list[str] = []
        """Known names (a VIP, a contact) the customer's name looks like but is not."""
        self.lookalikes_checked = asyncio.Event()
        """Set once the known names were read and compared (after the first messages)."""
        self.reply_to: InboxMessage | None = None
        """The message the next reply answers (picked with ``>``), if any."""
        self._draft_saved: tuple[str, str, str] | None = None
        """(account, conversation, text) last written, so an unchanged draft is not rewritten."""

    # --- building -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # New alerts elsewhere show on this line (hidden while there are none), never
        # in a toast over the history or the composer.
        yield HotlistBar(hide_empty=True, id="conversation-hotlist")
        yield Static(id="conversation-title", markup=False)
        yield History(
            self._fetch,
            platform_of=self._platform_of,
            name_of=self._name_of,
            tz=self.tz,
            id="history",
        )
        yield Composer(id="composer")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._start()
        self.set_interval(30, self._refresh_window)

    @property
    def history(self) -> History:
        return self.query_one(History)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def target(self) -> Conversation | None:
        return self.targets[self.target_index] if self.targets else None

    @work(group="conversation-start", exit_on_error=False)
    async def _start(self) -> None:
        await self._load_targets()
        hotlist = find_hotlist(self.app)
        if hotlist is not None:  # opened is seen: its alerts leave the hotlist
            hotlist.clear({(c.account_id, c.remote_id) for c in self.targets})
        if not self.targets:
            self.query_one("#conversation-title", Static).update(
                Content.styled("This conversation is not stored (any more).", "$text-error")
            )
            self.composer.area.read_only = True
            return
        self._show_title()
        await self.history.load_first_page()
        self._choose_target()
        await self._restore_draft()
        keys = {(c.account_id, c.remote_id) for c in self.targets}
        for item in await self.service.store.outbox_items(_OPEN_STATES):
            if item.action == "text" and (item.account_id, item.conversation_id) in keys:
                self.history.show_outbox(item)
        await self._show_webhook_state()
        self.ready = True
        self._find_lookalikes()
        if self.start_in_composer:
            self.composer.area.focus()
        else:
            self.history.focus()
        self._listen()

    async def _load_targets(self) -> None:
        store = self.service.store
        if self.person_id is None:
            if self.account_id is None or self.conversation_id is None:
                return
            found = await store.get_conversation(self.account_id, self.conversation_id)
            self.targets = [found] if found is not None else []
            return
        now = self.clock()
        seen: dict[tuple[str, str], Conversation] = {}
        for kind in ("all", "snoozed", "done"):
            view = InboxView(kind=kind, person_id=self.person_id)
            for found in await store.conversations_page(view, 0, 100, now):
                seen.setdefault((found.account_id, found.remote_id), found)
        self.targets = sorted(seen.values(), key=lambda c: (c.account_id, c.remote_id))

    @work(group="conversation-lookalikes", exit_on_error=False)
    async def _find_lookalikes(self) -> None:
        """Which known person's name each shown customer passes for, if any (≈ in the title).

        After the messages are on screen: on a large store the names (50,000 on a million
        messages) take a second or more to read and fold, in a thread so keys still work.
        """
        try:
            if self.person_id is None:  # a merged person is someone the user chose
                await self._compare_with_known_names()
        finally:
            self.lookalikes_checked.set()

    async def _compare_with_known_names(self) -> None:
        names = await self.service.store.known_names(self.service.prefs.notifications.vip)
        known = await asyncio.to_thread(fold_known, names)
        self.lookalikes = [
            found
            for c in self.targets
            if (
                found := known.lookalike(
                    c.customer.name, c.customer.platform_user_id, c.customer.person_id
                )
            )
            is not None
        ]
        if self.lookalikes:
            self._show_title()

    def _choose_target(self) -> None:
        """A person's reply goes where they last wrote."""
        if len(self.targets) > 1:
            floor = datetime.min.replace(tzinfo=UTC)
            latest = max(
                range(len(self.targets)),
                key=lambda i: self.targets[i].last_inbound_at or floor,
            )
            if latest != self.target_index:
                self.target_index = latest
                self.human_agent = False
        self._update_composer()

    async def _fetch(
        self, before: tuple[datetime, str] | None, limit: int
    ) -> Sequence[InboxMessage]:
        store = self.service.store
        if self.person_id is not None:
            return await store.person_timeline(self.person_id, before, limit)
        if self.account_id is None or self.conversation_id is None:
            return []
        return await store.messages_page(self.account_id, self.conversation_id, before, limit)

    def _platform_of(self, account_id: str) -> str:
        config = self.service.prefs.account(account_id)
        if config is not None:
            return str(config.platform)
        for conversation in self.targets:
            if conversation.account_id == account_id:
                return str(conversation.platform)
        return ""

    def _name_of(self, message: InboxMessage) -> str:
        if message.sender_name:
            return message.sender_name
        for conversation in self.targets:
            if (conversation.account_id, conversation.remote_id) == (
                message.account_id,
                message.conversation_id,
            ):
                return conversation.customer.display_name
        return message.sender_id

    def screen_share_changed(self) -> None:
        if self.targets:
            self._show_title()

    def _show_title(self) -> None:
        names = dict.fromkeys(c.customer.display_name for c in self.targets)
        parts: list[Content | str] = [Content.styled("esc ← ", "$text-muted")]
        for index, name in enumerate(names):
            if index:
                parts.append(Content.styled(" = ", "$text-muted"))
            parts.append(safe(private(name), style="bold", max_chars=60, single_line=True))
        if self.person_id is not None:
            parts.append(Content.styled("  (merged timeline)", "$text-muted"))
        for known in dict.fromkeys(self.lookalikes):
            parts += [
                Content.styled(f"  {DISGUISE_MARK} looks like ", "bold $text-warning"),
                safe(private(known), style="bold $text-warning", max_chars=60, single_line=True),
                Content.styled(" (another id)", "$text-warning"),
            ]
        for conversation in self.targets:
            platform = PLATFORM_LABEL.get(str(conversation.platform), str(conversation.platform))
            if conversation.platform != "matrix" and is_matrix_room(conversation.remote_id):
                platform += " (personal, via Matrix)"
            parts += [
                "  ",
                Content.styled(platform, "$text-secondary"),
                " ",
                safe(conversation.account_id, max_chars=30, single_line=True),
            ]
        if self.owner_app:
            parts += [
                "\n",
                Content.styled(
                    "Another app owns this thread (handover); Linkdeck will not take it back.",
                    "$text-warning",
                ),
            ]
        self.query_one("#conversation-title", Static).update(Content.assemble(*parts))

    async def _show_webhook_state(self) -> None:
        """Receipts and thread ownership, which only webhooks report."""
        if self.person_id is not None or self.account_id is None or not self.conversation_id:
            return
        store = self.service.store
        seen, delivered = await store.receipts(self.account_id, self.conversation_id)
        self.history.show_receipts(seen, delivered)
        owner = await store.thread_owner(self.account_id, self.conversation_id)
        if owner != self.owner_app:
            self.owner_app = owner
            self._show_title()

    # --- composer state -------------------------------------------------------------

    def window(self) -> ReplyWindow:
        target = self.target
        if target is None:
            return ReplyWindow(WindowState.UNKNOWN)
        if is_matrix_room(target.remote_id):
            return ReplyWindow(WindowState.NONE)
        return reply_window(target.last_inbound_at, self.clock())

    def human_agent_allowed(self) -> bool:
        """HUMAN_AGENT is offered only when the account's config says the feature is
        approved (it needs Meta's App Review)."""
        target = self.target
        config = self.service.prefs.account(target.account_id) if target else None
        return config is not None and config.human_agent

    def _update_composer(self) -> None:
        target = self.target
        if target is None:
            return
        window = self.window()
        if window.state is not WindowState.HUMAN_AGENT or not self.human_agent_allowed():
            self.human_agent = False
        composer = self.composer
        composer.platform = str(target.platform)
        composer.window = window
        composer.human_agent = self.human_agent
        composer.human_agent_allowed = self.human_agent_allowed()
        if len(self.targets) > 1:
            label = PLATFORM_LABEL.get(str(target.platform), str(target.platform))
            composer.target_label = f"{label} {target.account_id} (ctrl+o: change)"
        self.refresh_bindings()

    def _refresh_window(self) -> None:
        if self.ready:
            self._update_composer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_target":
            return len(self.targets) > 1
        if action == "human_agent":
            return (
                self.ready
                and self.window().state is WindowState.HUMAN_AGENT
                and self.human_agent_allowed()
            )
        if action == "retry":
            # Greyed out in the footer until a reply has failed.
            return True if self.ready and self.history.failed_items() else None
        return True

    # --- events from the engine and the outbox --------------------------------------

    @work(group="conversation-events", exit_on_error=False)
    async def _listen(self) -> None:
        """Hear the service while this screen is up (the main screen feeds only its panes)."""
        async for event in self.service.events():
            await self.handle_event(event)

    def _in_scope(self, account_id: str, conversation_id: str) -> bool:
        return any(
            (c.account_id, c.remote_id) == (account_id, conversation_id) for c in self.targets
        )

    async def handle_event(self, event: Event) -> None:
        """Show new messages and reply states that belong to this view."""
        if isinstance(event, MessagesArrived):
            mine = [m for m in event.messages if self._in_scope(m.account_id, m.conversation_id)]
            if mine:
                self.history.add_messages(mine)
                await self._reload_targets({(m.account_id, m.conversation_id) for m in mine})
                await self._show_webhook_state()
        elif isinstance(event, ConversationsChanged):
            if any(self._in_scope(event.account_id, c) for c in event.conversation_ids):
                await self._show_webhook_state()
        elif isinstance(event, OutboxChanged):
            item = event.item
            if self._in_scope(item.account_id, item.conversation_id):
                self.history.show_outbox(item)
                self.refresh_bindings()

    async def _reload_targets(self, keys: set[tuple[str, str]]) -> None:
        """A new message may reopen the reply window: read the conversations again."""
        for index, conversation in enumerate(self.targets):
            if (conversation.account_id, conversation.remote_id) in keys:
                fresh = await self.service.store.get_conversation(
                    conversation.account_id, conversation.remote_id
                )
                if fresh is not None:
                    self.targets[index] = fresh
        if self.picked:
            self._update_composer()
        else:
            self._choose_target()

    # --- sending --------------------------------------------------------------------

    @on(Composer.Send)
    async def _send(self, message: Composer.Send) -> None:
        message.stop()
        target = self.target
        if target is None or not self.ready:
            return
        refusal = send_refusal(
            str(target.platform),
            message.text,
            self.window(),
            self.human_agent,
            self.human_agent_allowed(),
        )
        if message.text.strip():
            # The account's own state first: no window or tag helps while its token is dead.
            refusal = self._account_refusal(target.account_id) or refusal
        if refusal is not None:
            if refusal != "nothing to send":
                self.app.bell()
                self.notify(refusal, title="Not sent", severity="warning", markup=False)
            return
        answers = self.reply_to
        if answers is not None and answers.conversation_id != target.remote_id:
            answers = None
        item = await self.service.send_reply(
            (target.account_id, target.remote_id),
            target.customer.platform_user_id,
            message.text,
            human_agent=self.human_agent,
            in_reply_to=answers.remote_id if answers is not None else None,
        )
        self.cancel_reply_to()
        self.history.show_outbox(item)
        self.history.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self._stop_draft_timer()
        self.composer.clear()
        async with self._draft_lock:
            await self.service.clear_draft((target.account_id, target.remote_id))
            self._draft_saved = (target.account_id, target.remote_id, "")
        self._last_typing = None

    def _account_refusal(self, account_id: str) -> str | None:
        """Refuse at once, with the reason, a reply the account cannot send now, instead of
        queueing it to fail later. The text stays in the composer."""
        status = self.service.status(account_id)
        if status is None or status.state is not AccountState.NEEDS_REAUTH:
            return None
        reason = sanitize(
            status.detail or "its token no longer works", max_chars=80, single_line=True
        )
        name = sanitize(account_id, max_chars=40, single_line=True)
        return (
            f"{name} needs re-authentication ({reason}): press R on it in the Profiles tab, "
            "then send again. Your text is kept."
        )

    @on(Composer.Typing)
    async def _typing(self, message: Composer.Typing) -> None:
        message.stop()
        target = self.target
        if target is None or not self.ready:
            return
        now = self.clock()
        if self._last_typing is not None and now - self._last_typing < TYPING_EVERY:
            return
        self._last_typing = now
        await self.service.typing(
            (target.account_id, target.remote_id), target.customer.platform_user_id
        )

    # --- actions --------------------------------------------------------------------

    def action_reply(self) -> None:
        """Move to the composer (``r`` while reading the history)."""
        self.composer.area.focus()

    def action_reply_to_message(self) -> None:
        """Pick the message the next reply answers: the lowest on screen, then older ones."""
        if not self.ready or self.target is None:
            return
        message = self.history.mark_older()
        if message is None:
            self.notify("No message to reply to yet.", markup=False)
            return
        index = next(
            (
                i
                for i, c in enumerate(self.targets)
                if (c.account_id, c.remote_id) == (message.account_id, message.conversation_id)
            ),
            None,
        )
        if index is None or not is_matrix_room(self.targets[index].remote_id):
            self.cancel_reply_to()
            self.notify(
                "Replying to one message works in Matrix chats only: a Messenger or "
                "Instagram business reply goes to the conversation as a whole.",
                title="Reply to message",
                markup=False,
            )
            return
        if index != self.target_index:
            self.target_index = index
            self.picked = True
            self._update_composer()
        self.reply_to = message
        self.composer.replying_to = (self._name_of(message), message.text or "(attachment)")

    def cancel_reply_to(self) -> None:
        self.reply_to = None
        self.composer.replying_to = None
        self.history.clear_mark()

    async def action_back(self) -> None:
        if self.reply_to is not None:
            self.cancel_reply_to()  # Esc first forgets the message picked, then leaves
            return
        await self.keep_draft()
        self.dismiss(None)

    # --- drafts ---------------------------------------------------------------------

    async def _restore_draft(self) -> None:
        target = self.target
        if target is None or self.composer.text:
            return
        text = await self.service.get_draft((target.account_id, target.remote_id))
        if text:
            self._draft_saved = (target.account_id, target.remote_id, text)
            self.composer.restore(text)

    @on(Composer.Edited)
    def _edited(self, message: Composer.Edited) -> None:
        message.stop()
        if not self.ready:
            return
        self._stop_draft_timer()
        self._draft_timer = self.set_timer(DRAFT_DEBOUNCE, self._draft_due)

    def _stop_draft_timer(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    def _draft_due(self) -> None:
        self._draft_timer = None
        self.run_worker(self.keep_draft(), group="draft", exit_on_error=False)

    async def keep_draft(self) -> bool:
        """Write the composer's text as the target's draft now; whether one is kept.

        The text is read under the lock, so the last of several queued writes wins.
        """
        self._stop_draft_timer()
        target = self.target
        if target is None or not self.ready:
            return False
        async with self._draft_lock:
            text = self.composer.text
            key = (target.account_id, target.remote_id, text)
            if key != self._draft_saved:
                await self.service.save_draft((target.account_id, target.remote_id), text)
                self._draft_saved = key
        return bool(text.strip())

    def action_human_agent(self) -> None:
        if self.window().state is not WindowState.HUMAN_AGENT:
            self.notify("The HUMAN_AGENT tag only applies once the 24 h window has closed.")
            return
        self.human_agent = not self.human_agent
        self._update_composer()

    async def action_next_target(self) -> None:
        if len(self.targets) < 2:
            return
        previous = self.target
        if previous is not None and self.ready:
            # The draft follows the reply to its new target.
            async with self._draft_lock:
                await self.service.clear_draft((previous.account_id, previous.remote_id))
                self._draft_saved = None
        self.target_index = (self.target_index + 1) % len(self.targets)
        self.cancel_reply_to()
        self.picked = True
        self.human_agent = False
        self._last_typing = None
        self._update_composer()
        await self.keep_draft()

    def action_read_full(self) -> None:
        """The newest message longer than the 4,000 characters drawn, read in full."""
        long = self.history.long_messages()
        if not long:
            self.notify("Every message here is shown in full.", markup=False)
            return
        message = long[-1]
        self.app.push_screen(
            FullTextScreen(f"Message of {message.created_at:%b %d %H:%M}", message.text)
        )

    def action_retry(self) -> None:
        failed = self.history.failed_items()
        if not failed:
            self.notify("No failed reply to retry.", markup=False)
            return
        item = failed[-1]

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                await self.service.retry(item.id)
            except ValueError as exc:
                self.notify(str(exc), title="Retry", severity="warning", markup=False)
                return
            self.history.show_outbox(
                dataclasses.replace(item, state=OutboxState.QUEUED, error=None)
            )
            self.refresh_bindings()

        self.app.push_screen(ConfirmRetry(item), answered)
