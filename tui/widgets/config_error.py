"""The inbox's notice for a config.toml that cannot be used: where the error is, what holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.content import Content
from textual.widgets import Static

from tui.config import Problem
from tui.widgets.safe import safe

__all__ = ["RECHECK_SECONDS", "ConfigErrorPanel", "ConfigNotice", "config_error_text"]

RECHECK_SECONDS = 2.0
"""How often the file is read again, so the notice follows the user's edits."""

MAX_SHOWN = 4
"""Problems listed; the rest are counted (``linkdeck doctor`` lists them all)."""


def _where(problem: Problem) -> str:
    where = str(problem.file)
    if problem.line is not None:
        where += f":{problem.line}"
        if problem.column is not None:
            where += f":{problem.column}"
    return where


def config_error_text(problems: Sequence[Problem], *, broken: bool) -> Content:
    """The notice: a title, one ``file:line:col message`` line per problem, what to do.

    ``broken``: the file does not parse, so nothing syncs; otherwise the file parses and
    only the listed parts run on their defaults. Paths and messages quote the file, so
    every piece goes through :func:`safe` (no markup, no escape sequences).
    """
    if not problems:
        return Content.assemble(
            ("config.toml reads cleanly now. ", "$status-ok bold"),
            "Quit (ctrl+q) and start linkdeck again to sync with it.",
        )
    title = (
        "config.toml has an error: nothing syncs until it is fixed"
        if broken
        else "config.toml has problems: these parts use their defaults"
    )
    lines: list[Content] = [Content.styled(title, "$status-error bold")]
    for problem in problems[:MAX_SHOWN]:
        key = f"{problem.key}: " if problem.key else ""
        lines.append(
            Content.assemble(
                safe(_where(problem), style="bold", max_chars=160, single_line=True),
                "  ",
                safe(key + problem.message, max_chars=200, single_line=True),
            )
        )
    if len(problems) > MAX_SHOWN:
        lines.append(Content(f"... and {len(problems) - MAX_SHOWN} more (linkdeck doctor)"))
    if broken:
        lines.append(
            Content.styled(
                "The file was not changed and nothing will be written to it. Below is what "
                "the store already holds. Fix the file (this notice follows your edits), "
                "then start linkdeck again.",
                "$muted-text",
            )
        )
    else:
        lines.append(
            Content.styled(
                "The file was not changed. Fix it and start linkdeck again.", "$muted-text"
            )
        )
    return Content("\n").join(lines)


class ConfigErrorPanel(Static):
    """Stays above the inbox while config.toml is wrong; re-reads the file as it is edited."""

    DEFAULT_CSS = """
    ConfigErrorPanel {
        height: auto;
        max-height: 8;
        padding: 0 1;
        border-left: thick $error;
        background: $error 15%;
    }
    """

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        broken: bool,
        recheck: Callable[[], Sequence[Problem]] | None = None,
        id: str | None = "config-error",
    ) -> None:
        super().__init__(config_error_text(problems, broken=broken), id=id)
        self.problems = tuple(problems)
        self.broken = broken
        self.recheck = recheck

    def on_mount(self) -> None:
        if self.recheck is not None:
            self.set_interval(RECHECK_SECONDS, self._recheck)

    def _recheck(self) -> None:
        assert self.recheck is not None
        try:
            problems = tuple(self.recheck())
        except Exception:  # reading the file must never take the dashboard down
            return
        if problems != self.problems:
            self.problems = problems
            self.update(config_error_text(problems, broken=self.broken))


class ConfigNotice:
    """What the dashboard learned about config.toml at start, for the inbox's notice."""

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        broken: bool,
        recheck: Callable[[], Sequence[Problem]] | None = None,
    ) -> None:
        self.problems = tuple(problems)
        self.broken = broken
        """The file does not parse: the store is shown, nothing syncs, nothing is written."""
        self.recheck = recheck

    def panel(self) -> ConfigErrorPanel:
        return ConfigErrorPanel(self.problems, broken=self.broken, recheck=self.recheck)
