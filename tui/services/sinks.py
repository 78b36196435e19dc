"""Where alerts go: the terminal bell, desktop notifications over OSC 777 / 9, a user command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tui.domain.rules import Sink
from tui.domain.safetext import sanitize
from tui.services.notifier import Alert

__all__ = [
    "COMMAND_TIMEOUT",
    "PASSED_ENV",
    "CommandResult",
    "SinkDriver",
    "deliver",
    "desktop_sequence",
    "osc9",
    "osc777",
    "run_command",
    "strip_controls",
]

log = logging.getLogger(__name__)

COMMAND_TIMEOUT = 10.0
"""Seconds a user command may run before it is killed."""
DESKTOP_CHARS = 180
PASSED_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TERM",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
)
"""The only variables of our own environment a command sees: tokens may live in the rest."""

# C0, DEL and C1: any of them could end the OSC string early and start a sequence of the
# sender's choosing, so none may reach the terminal inside a notification.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without any C0 or C1 control character, ESC and BEL included."""
    return _CONTROLS.sub("", text)


def _payload(text: str, limit: int = DESKTOP_CHARS) -> str:
    # sanitize turns invisible tricks into visible markers; stripping afterwards is the
    # guarantee that nothing a terminal would act on is left, whatever sanitize becomes.
    clean = sanitize(text, max_chars=limit, single_line=True)
    return strip_controls(clean)


def osc777(title: str, body: str) -> str:
    """``ESC ] 777 ; notify ; title ; body ST`` (urxvt, foot, WezTerm, Ghostty, VTE...)."""
    # ';' separates the fields of this sequence, so it cannot appear inside one.
    fields = [_payload(part).replace(";", ",") for part in (title, body)]
    return f"\x1b]777;notify;{fields[0]};{fields[1]}\x1b\\"


def osc9(title: str, body: str) -> str:
    """``ESC ] 9 ; text BEL`` (iTerm2, Windows Terminal, kitty, WezTerm)."""
    text = _payload(f"{title}: {body}")
    # ConEmu reads "9;<digits>;" as a command (progress bars and so on), not a message.
    if re.match(r"\d+;", text):
        text = " " + text
    return f"\x1b]9;{text}\x07"


def desktop_sequence(title: str, body: str) -> str:
    """Both sequences: a terminal acts on the one it knows and ignores the other."""
    return osc777(title, body) + osc9(title, body)


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int | None
    """``None`` when the command could not start or was killed."""
    timed_out: bool = False
    error: str = ""


def command_env(extra: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A small environment for a user command: a few of ours plus the message's variables."""
    source = os.environ if base is None else base
    env = {name: source[name] for name in PASSED_ENV if name in source}
    env.update({k: v.replace("\x00", "") for k, v in extra.items()})
    return env


async def run_command(
    argv: Sequence[str],
    env: Mapping[str, str],
    stdin_text: str,
    *,
    limit: float = COMMAND_TIMEOUT,
) -> CommandResult:
    """Run ``argv`` without a shell, the message on stdin, killed after ``limit`` seconds."""
    args = tuple(argv)
    if not args:
        return CommandResult(args, None, error="no command configured")
    try:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env=command_env(env),
            start_new_session=True,
        )
    except OSError as exc:
        return CommandResult(args, None, error=exc.strerror or type(exc).__name__)
    try:
        async with asyncio.timeout(limit):
            await process.communicate(stdin_text.encode("utf-8", "replace"))
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return CommandResult(args, None, timed_out=True, error=f"killed after {limit:g} s")
    return CommandResult(args, process.returncode)


@dataclass
class SinkDriver:
    """How the sinks reach the world; the UI passes its own toast, bell and terminal writer."""

    toast: Callable[[str, str], None]
    bell: Callable[[], None]
    write: Callable[[str], None]
    """Raw bytes to the terminal (for OSC sequences)."""
    timeout: float = COMMAND_TIMEOUT
    tasks: set[asyncio.Task[CommandResult]] = field(default_factory=set)
    results: list[CommandResult] = field(default_factory=list)
    """Finished commands, newest last (kept short)."""

    def _done(self, task: asyncio.Task[CommandResult]) -> None:
        self.tasks.discard(task)
        if task.cancelled() or task.exception() is not None:
            return
        result = task.result()
        self.results = [*self.results[-19:], result]
        if result.returncode != 0:
            # The argv is the user's own config; no message text goes to the log.
            log.warning("notification command %s: %s", result.argv[:1], result.error or "failed")

    async def wait(self) -> None:
        """Until every command started so far has finished (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


def deliver(alert: Alert, driver: SinkDriver) -> None:
    """Drive each of the alert's sinks; a command runs in the background with its timeout."""
    for sink in alert.sinks:
        if sink is Sink.TOAST:
            driver.toast(alert.title, alert.body)
        elif sink is Sink.BELL:
            driver.bell()
        elif sink is Sink.DESKTOP:
            driver.write(desktop_sequence(alert.title, alert.body))
        elif sink is Sink.COMMAND and alert.command:
            coroutine = run_command(
                alert.command, alert.env, alert.env.get("LINKDECK_TEXT", ""), limit=driver.timeout
            )
            task = asyncio.get_running_loop().create_task(coroutine)
            driver.tasks.add(task)
            task.add_done_callback(driver._done)
