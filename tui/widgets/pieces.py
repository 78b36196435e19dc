"""A line as styled pieces of text: what a list row is before it is drawn.

A row built as ``(text, style)`` pieces can be drawn two ways that agree cell for cell:
as Textual ``Content`` (:func:`to_content`, for anything that wants Content) and straight
to segments by :class:`tui.widgets.virtual_list.VirtualList`, which resolves each style
once per theme instead of building and parsing a ``Content`` for every row it draws. The
cutting and padding here follow ``Content.truncate`` exactly, so both ways give the same
line, down to where the ellipsis falls and which style it takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len, set_cell_size
from textual.content import Content

__all__ = ["Piece", "Pieces", "cells", "fit", "to_content"]

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


def cells(text: str) -> int:
    """Cells ``text`` takes on a terminal (one per character for printable ASCII)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


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
    if ellipsis and width:
        cut = set_cell_size(plain, width - 1) + "…"
    else:
        cut = set_cell_size(plain, width)
    # Each piece keeps the characters of the cut text at its own offsets (the cut text
    # is never longer than the whole: a wide character cut in half becomes one space).
    fitted: list[Piece] = []
    start = 0
    for text, style in pieces:
        if start >= len(cut):
            break
        fitted.append((cut[start : start + len(text)], style))
        start += len(text)
    return fitted


def to_content(line: Pieces) -> Content:
    """The line as Textual Content (one span per styled piece, the over-style on top)."""
    content = Content.assemble(*(piece for piece in line.pieces if piece[0]))
    return content.stylize(line.over) if line.over else content
