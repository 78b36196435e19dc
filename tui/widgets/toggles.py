"""Checkboxes and radio buttons whose state reads from the glyph, not only from its colour."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, RadioButton

__all__ = ["CHECKED", "PICKED", "UNCHECKED", "UNPICKED", "GlyphCheckbox", "GlyphRadioButton"]

CHECKED = "[x]"
"""A ticked checkbox."""
UNCHECKED = "[ ]"
"""An unticked checkbox."""
PICKED = "(•)"
"""The chosen radio button of its set."""
UNPICKED = "( )"
"""A radio button not chosen."""


def _glyph(widget: Checkbox | RadioButton, on: str, off: str) -> Content:
    # Textual draws the same "X" (or "●") in both states and tells them apart by colour
    # only, which a 16-colour, monochrome or NO_COLOR terminal loses: the text itself
    # says the state here, coloured as Textual would colour the button.
    return Content.styled(on if widget.value else off, widget.get_visual_style("toggle--button"))


class GlyphCheckbox(Checkbox):
    """A :class:`~textual.widgets.Checkbox` drawn ``[x]`` when ticked and ``[ ]`` when not."""

    @property
    def _button(self) -> Content:
        return _glyph(self, CHECKED, UNCHECKED)


class GlyphRadioButton(RadioButton):
    """A :class:`~textual.widgets.RadioButton` drawn ``(•)`` when chosen and ``( )`` when not."""

    @property
    def _button(self) -> Content:
        return _glyph(self, PICKED, UNPICKED)
