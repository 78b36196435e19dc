"""Outside text as Textual Content: the one door through which hostile strings reach the screen."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.style import Style

from tui.domain.safetext import CUT_MARK, left_out, sanitize
from tui.widgets.pieces import Piece, Pieces, to_content

__all__ = [
    "HIDDEN_MARK",
    "SCREEN_SHARE",
    "hidden",
    "highlight_pieces",
    "private",
    "safe",
    "safe_highlight",
]

HIDDEN_MARK = "••••••"
"""What a body or a name becomes while screen sharing: the same for every text."""


def safe(
    text: object,
    *,
    style: Style | str = "",
    max_chars: int = 4000,
    max_combining: int = 4,
    single_line: bool = False,
) -> Content:
    """Outside text (a message, a name, an API error) ready to display.

    The text is sanitised and wrapped as plain Content, never parsed as markup, so
    ``[bold]`` or ``[@click=app.quit]`` inside it show literally and do nothing.

    Args:
        text: Anything; non-strings are shown through ``str()``.
        style: Our own style for the whole text (never taken from the text).
        max_chars: See :func:`tui.domain.safetext.sanitize`.
        max_combining: See :func:`tui.domain.safetext.sanitize`.
        single_line: See :func:`tui.domain.safetext.sanitize`.
    """
    clean = sanitize(
        text, max_chars=max_chars, max_combining=max_combining, single_line=single_line
    )
    return Content.styled(clean, style)


def safe_highlight(
    text: object,
    spans: Sequence[tuple[int, int]],
    style: str,
    *,
    max_chars: int = 4000,
    single_line: bool = False,
) -> Content:
    """Like :func:`safe`, with parts of the text highlighted (e.g. search matches).

    Args:
        text: The outside text.
        spans: ``(start, end)`` offsets into the original ``text``; markers that
            replace unsafe characters shift offsets, so this maps them for you.
        style: Style of the highlighted parts.
        max_chars: Cut the text after this many characters.
        single_line: Newlines become ``⏎`` and tabs become spaces.
    """
    return to_content(
        Pieces(highlight_pieces(text, spans, style, max_chars=max_chars, single_line=single_line))
    )


def highlight_pieces(
    text: object,
    spans: Sequence[tuple[int, int]],
    style: str,
    *,
    max_chars: int = 4000,
    single_line: bool = False,
) -> list[Piece]:
    """:func:`safe_highlight` as pieces: the text around the matches unstyled, each
    match in ``style``."""
    raw = text if isinstance(text, str) else sanitize(text, max_chars=max_chars)
    cut = left_out(len(raw), max_chars)
    if cut:
        raw = raw[:max_chars]
    pieces: list[Piece] = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)
        end = min(end, len(raw))
        if end <= start:
            continue
        pieces += [
            (_piece(raw[position:start], single_line), ""),
            (_piece(raw[start:end], single_line), style),
        ]
        position = end
    pieces.append((_piece(raw[position:], single_line), ""))
    if cut:
        pieces.append((CUT_MARK.format(n=cut), ""))
    return pieces


def _piece(part: str, single_line: bool) -> str:
    # Pieces are already cut to length, so sanitize must not cut them again.
    return sanitize(part, max_chars=len(part), single_line=single_line)


def hidden(text: object) -> str:
    """The placeholder shown instead of ``text`` while ``app.screen_share`` is on.

    Every text gives the same mark, so not even its length shows. Inbox rows and the
    conversation view call this for each message body and each person's name when
    ``self.app.screen_share`` is true (and watch that reactive to redraw).
    """
    del text  # deliberately unused: nothing of it may leak
    return HIDDEN_MARK


class ScreenShareState:
    """Whether screen sharing is on; the app sets it, every renderer reads it."""

    on: bool = False


SCREEN_SHARE = ScreenShareState()


def private(text: object) -> object:
    """A message body or a person's name, or :data:`HIDDEN_MARK` while screen sharing.

    Wrap every such string before :func:`safe`; the app redraws everything when the
    switch flips (widgets with a layout cache define ``screen_share_changed()``).
    """
    return hidden(text) if SCREEN_SHARE.on else text
