"""The reply box: Enter sends, a modified Enter breaks the line, a meter shows what applies.

Which modified Enter reaches the app depends on the terminal: ``ctrl+j`` works everywhere
(it is a bare line feed); ``alt+enter`` works in most terminals (ESC then CR); ``shift+enter``
only where the terminal reports it (kitty keyboard protocol: kitty, WezTerm, foot, Ghostty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static, TextArea

from tui.domain.window import ReplyWindow, WindowState, text_limit_ok
from tui.widgets.safe import private, safe

__all__ = [
    "NEWLINE_KEYS",
    "Composer",
    "ComposerArea",
    "describe_window",
    "first_words",
    "length_label",
    "send_refusal",
]

NEWLINE_KEYS = frozenset({"shift+enter", "alt+enter", "ctrl+j"})
"""Keys that insert a line break instead of sending."""


def length_label(platform: str, text: str) -> str:
    """``"123/2000"`` (Messenger, characters) or ``"456/1000 bytes"`` (Instagram, UTF-8)."""
    if platform == "instagram":
        return f"{len(text.encode('utf-8', 'surrogatepass'))}/1000 bytes"
    return f"{len(text)}/2000"


def first_words(text: str, count: int = 8) -> str:
    """The start of a message, for the line naming the message a reply answers."""
    words = text.split()
    head = " ".join(words[:count])
    return head + " …" if len(words) > count else head


def _span(left: timedelta | None) -> str:
    if left is None:
        return ""
    minutes = max(0, int(left.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


HUMAN_AGENT_NOT_APPROVED = (
    "HUMAN_AGENT needs Meta's Human Agent feature (App Review > Permissions and Features); "
    "once approved, set human_agent = true for this account"
)


def describe_window(
    window: ReplyWindow, human_agent: bool, allowed: bool = True
) -> tuple[str, str]:
    """Words and a colour variable for the reply window as the meter shows it."""
    left = _span(window.remaining)
    if window.state is WindowState.NONE:
        return "personal chat through Matrix: no reply window", "$text-muted"
    if window.state is WindowState.OPEN:
        return f"reply window open, {left} left", "$text-success"
    if window.state is WindowState.CLOSING:
        return f"reply window closing, {left} left", "$text-warning"
    if window.state is WindowState.HUMAN_AGENT and not allowed:
        return f"24 h window closed; {HUMAN_AGENT_NOT_APPROVED}", "$text-error"
    if window.state is WindowState.HUMAN_AGENT:
        tag = "ON" if human_agent else "off (ctrl+t)"
        return (
            f"24 h window closed; HUMAN_AGENT tag possible for {left}: {tag}",
            "$text-warning",
        )
    if window.state is WindowState.CLOSED:
        return (
            "sending disabled: the customer last wrote more than 7 days ago",
            "$text-error",
        )
    return "reply window unknown (no message from the customer yet)", "$text-muted"


def send_refusal(
    platform: str, text: str, window: ReplyWindow, human_agent: bool, allowed: bool = True
) -> str | None:
    """Why ``text`` may not be sent now, or ``None`` when it may.

    ``allowed`` says whether the account's app has the Human Agent feature approved.
    """
    if not text.strip():
        return "nothing to send"
    if not text_limit_ok(platform, text):
        limit = "1000 bytes" if platform == "instagram" else "2000 characters"
        return f"too long for {platform}: the limit is {limit}"
    if window.state is WindowState.CLOSED:
        return "the reply window is closed"
    if window.state is WindowState.HUMAN_AGENT and not allowed:
        return f"the 24 h window is closed; {HUMAN_AGENT_NOT_APPROVED}"
    if window.state is WindowState.HUMAN_AGENT and not human_agent:
        return "the 24 h window is closed: turn on the HUMAN_AGENT tag (ctrl+t) to reply"
    return None


class ComposerArea(TextArea):
    """A text area where Enter asks to send and a modified Enter inserts a newline."""

    @dataclass
    class Submitted(Message):
        """The user pressed Enter."""

        area: ComposerArea
        text: str

    async def _on_key(self, event: events.Key) -> None:
        if self.read_only:
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.text))
        elif event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n", start, end)


class Composer(Vertical):
    """The reply text area with a one-line meter of length, limit and window state."""

    DEFAULT_CSS = """
    Composer {
        height: auto;
        max-height: 12;
        border-top: solid $primary 40%;
        & > ComposerArea {
            height: auto;
            min-height: 3;
            max-height: 10;
            border: none;
            padding: 0 1;
        }
        & > #composer-meter {
            height: 1;
            padding: 0 1;
            color: $text-muted;
        }
        & > #composer-reply {
            height: 1;
            padding: 0 1;
            color: $text-accent;
            display: none;
        }
        & > #composer-reply.-replying {
            display: block;
        }
    }
    """

    platform: reactive[str] = reactive("messenger", init=False)
    window: reactive[ReplyWindow] = reactive(ReplyWindow(WindowState.UNKNOWN), init=False)
    human_agent: reactive[bool] = reactive(False, init=False)
    human_agent_allowed: reactive[bool] = reactive(True, init=False)
    """The account's config says the Human Agent feature is approved."""
    target_label: reactive[str] = reactive("", init=False)
    """Which account the reply goes to (shown in a person's timeline)."""
    replying_to: reactive[tuple[str, str] | None] = reactive(None, init=False)
    """(name, text) of the message this reply answers, or ``None``."""

    @dataclass
    class Send(Message):
        """The user asked to send ``text`` (checks are the screen's to make)."""

        text: str

    @dataclass
    class Typing(Message):
        """The user changed the text (for typing indicators)."""

    @dataclass
    class Edited(Message):
        """The text changed, emptied included (drafts are saved from this)."""

    def compose(self) -> ComposeResult:
        yield Static(id="composer-reply", markup=False)
        yield ComposerArea(
            id="composer-input", soft_wrap=True, show_line_numbers=False, compact=True
        )
        yield Static(id="composer-meter", markup=False)

    def on_mount(self) -> None:
        self.query_one(ComposerArea).cursor_blink = False
        self.refresh_meter()

    @property
    def area(self) -> ComposerArea:
        return self.query_one(ComposerArea)

    @property
    def text(self) -> str:
        return self.area.text

    def clear(self) -> None:
        self.area.load_text("")

    def restore(self, text: str) -> None:
        """Put a kept draft back, the cursor after its last character."""
        area = self.area
        area.load_text(text)
        area.move_cursor(area.document.end)

    @on(ComposerArea.Submitted)
    def _submitted(self, message: ComposerArea.Submitted) -> None:
        message.stop()
        self.post_message(self.Send(message.text))

    @on(TextArea.Changed)
    def _changed(self, message: TextArea.Changed) -> None:
        message.stop()
        self.refresh_meter()
        self.post_message(self.Edited())
        if self.text:
            self.post_message(self.Typing())

    def watch_platform(self) -> None:
        self.refresh_meter()

    def watch_window(self) -> None:
        self.refresh_meter()

    def watch_human_agent(self) -> None:
        self.refresh_meter()

    def watch_human_agent_allowed(self) -> None:
        self.refresh_meter()

    def watch_target_label(self) -> None:
        self.refresh_meter()

    def watch_replying_to(self) -> None:
        self.refresh_reply()

    def refresh_reply(self) -> None:
        """Redraw the "Replying to" line (hidden when the reply answers no one message)."""
        if not self.is_mounted:
            return
        line = self.query_one("#composer-reply", Static)
        line.set_class(self.replying_to is not None, "-replying")
        if self.replying_to is None:
            line.update("")
            return
        name, text = self.replying_to
        line.update(
            Content.assemble(
                "Replying to ",
                safe(private(name), max_chars=40, single_line=True),
                ": ",
                safe(private(first_words(text)), max_chars=60, single_line=True),
                "  (esc: cancel)",
            )
        )

    def refresh_meter(self) -> None:
        """Redraw the meter line from the text, platform and window state."""
        if not self.is_mounted:
            return
        text = self.text
        fits = text_limit_ok(self.platform, text)
        count = Content.styled(
            length_label(self.platform, text) + ("" if fits else " too long"),
            "" if fits else "bold $text-error",
        )
        words, colour = describe_window(self.window, self.human_agent, self.human_agent_allowed)
        parts: list[Content | str] = [count, "  ", Content.styled(words, colour)]
        if self.target_label:
            parts += ["  to ", safe(private(self.target_label), max_chars=60, single_line=True)]
        parts.append("  enter: send, ctrl+j: new line")
        self.query_one("#composer-meter", Static).update(Content.assemble(*parts))
