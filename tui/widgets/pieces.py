"""A line as styled pieces of text: what a list row is before it is drawn.

A row built as ``(text, style)`` pieces can be drawn two ways that agree cell for cell:
as Textual ``Content`` (:func:`to_content`, for anything that wants Content) and straight
to segments by :class:`tui.widgets.virtual_list.VirtualList`, which resolves each style
once per theme instead of building and parsing a ``Content`` for every row it draws. The
cutting and padding here follow ``Content.truncate`` exactly, so both ways give the same
line, down to where the ellipsis falls and which style it takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from textual.content import Content

__all__ = ["Piece", "Pieces", "cells", "cut", "fit", "to_content"]

Piece = tuple[str, str]
"""Text and its style (``""``: the line's own style). The text is already sanitised."""


class Pieces(tuple[tuple[Piece, ...], str]):
    """A whole line: its pieces and a style laid over all of it (``""`` for none)."""

    __slots__ = ()

    def __new__(cls, pieces: Iterable[Piece], over: str = "") -> Pieces:
        return super().__new__(cls, (tuple(pieces), over))

    @property
    def pieces(self) -> tuple[Piece, ...]:
        return self[0]

    @property
    def over(self) -> str:
        return self[1]


_LOOKED_UP = re.compile("[^ -~\xa0-\xac\xae-\u02ff\u0370-\u0482\u2500-\u25fc\u2800-\u28ff]")
"""Characters whose width Rich looks up (the rest, Latin, Greek, Cyrillic, box drawing
and Braille, take one cell each: Rich's own shortcut, ``rich.cells._SINGLE_CELLS``)."""
_JOINERS = ("\u200d", "\ufe0f")
"""A zero-width joiner or an emoji presentation selector changes the width of the
characters around it: text holding one is measured and cut by Rich itself."""


def cells(text: str) -> int:
    """Cells ``text`` takes on a terminal, as Rich's ``cell_len`` counts them.

    Rich walks every character of a string that is not all one-cell (an emoji, a CJK
    name) and keeps the total by the whole string; here only the characters it would look
    up are looked up, which is what a row drawn for the first time costs."""
    if text.isascii() and text.isprintable():
        return len(text)
    looked_up = _LOOKED_UP.findall(text)
    if not looked_up:
        return len(text)
    if _JOINERS[0] in text or _JOINERS[1] in text:
        return cell_len(text)
    return len(text) - len(looked_up) + sum(map(get_character_cell_size, looked_up))


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, as Rich's ``set_cell_size`` cuts it (a wide
    character cut in half becomes a space, zero-width marks stay with the character
    before them) for text longer than that: Rich splits the whole text into graphemes
    first, which for a long message of emoji or CJK costs more than the rest of its row;
    here only the characters up to the cut are looked at."""
    if width <= 0:
        return ""
    if _JOINERS[0] in text or _JOINERS[1] in text:
        return set_cell_size(text, width)
    used = 0  # cells taken by text[:index]
    index = 0
    for found in _LOOKED_UP.finditer(text):
        start = found.start()
        if used + start - index > width:  # the cut falls among one-cell characters
            break
        used += start - index
        size = get_character_cell_size(found.group())
        if used + size > width:  # a wide character the cut falls on (or just after)
            return text[:start] + " " * (width - used)
        used += size
        index = start + 1
    return text[: index + width - used]


def fit(
    pieces: Sequence[Piece], width: int, *, ellipsis: bool = False, pad: bool = False
) -> list[Piece]:
    """The pieces cut to ``width`` cells (ending in ``…`` when ``ellipsis``), or padded
    to it with unstyled spaces when ``pad``: ``Content.truncate`` over pieces."""
    plain = "".join(text for text, _ in pieces)
    length = cells(plain)
    if length == width:
        return list(pieces)
    if length < width:
        return [*pieces, (" " * (width - length), "")] if pad else list(pieces)
    shown = cut(plain, width - 1) + "…" if ellipsis and width else cut(plain, width)
    # Each piece keeps the characters of the cut text at its own offsets (the cut text
    # is never longer than the whole: a wide character cut in half becomes one space).
    fitted: list[Piece] = []
    start = 0
    for text, style in pieces:
        if start >= len(shown):
            break
        fitted.append((shown[start : start + len(text)], style))
        start += len(text)
    return fitted


def to_content(line: Pieces) -> Content:
    """The line as Textual Content (one span per styled piece, the over-style on top)."""
    content = Content.assemble(*(piece for piece in line.pieces if piece[0]))
    return content.stylize(line.over) if line.over else content
