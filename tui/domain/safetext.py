"""Turns hostile outside text into a string that is safe to show in a terminal."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CUT_MARK", "NEWLINE_MARK", "cell_safe", "left_out", "marker_for", "sanitize"]

NEWLINE_MARK = "⏎"
"""What a newline becomes in single-line mode."""
CUT_MARK = "…⟨+{n} chars⟩"
"""Appended when text was cut; ``n`` is how many input characters were left out."""

_C0_NAMES = [
    "NUL",
    "SOH",
    "STX",
    "ETX",
    "EOT",
    "ENQ",
    "ACK",
    "BEL",
    "BS",
    "HT",
    "LF",
    "VT",
    "FF",
    "CR",
    "SO",
    "SI",
    "DLE",
    "DC1",
    "DC2",
    "DC3",
    "DC4",
    "NAK",
    "SYN",
    "ETB",
    "CAN",
    "EM",
    "SUB",
    "ESC",
    "FS",
    "GS",
    "RS",
    "US",
]

# Characters that change how the rest of the line is drawn without being seen:
# bidi overrides (the "Trojan Source" trick), zero-width characters, and
# other format characters. Each becomes a visible, named marker.
_NAMED: dict[int, str] = {
    0x7F: "DEL",
    0x00AD: "SHY",
    0x034F: "CGJ",
    0x061C: "ALM",
    0x115F: "HF",
    0x1160: "HF",
    0x180E: "MVS",
    0x200B: "ZWSP",
    0x200C: "ZWNJ",
    0x200D: "ZWJ",
    0x200E: "LRM",
    0x200F: "RLM",
    0x2028: "LSEP",
    0x2029: "PSEP",
    0x202A: "LRE",
    0x202B: "RLE",
    0x202C: "PDF",
    0x202D: "LRO",
    0x202E: "RLO",
    0x2060: "WJ",
    0x2066: "LRI",
    0x2067: "RLI",
    0x2068: "FSI",
    0x2069: "PDI",
    0x3164: "HF",
    0xFEFF: "BOM",
    0xFFA0: "HF",
}
_NAMED.update({code: name for code, name in enumerate(_C0_NAMES)})

_TAB_WIDTH = 4
_FLAG = 0x1F3F4
"""Black flag: the only base that legitimately carries tag characters (subdivision flags)."""

# ASCII text only needs the C0/DEL check, which a regex does far faster than a loop.
_ASCII_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ASCII_UNSAFE_SINGLE = re.compile(r"[\x00-\x1f\x7f]")


def is_plain(text: str, *, single_line: bool = False) -> bool:
    """Whether ``text`` is ASCII with nothing :func:`sanitize` would change (no control
    character but newline and tab, and not those either for ``single_line``), length
    aside: such text is shown as it is."""
    pattern = _ASCII_UNSAFE_SINGLE if single_line else _ASCII_UNSAFE
    return text.isascii() and pattern.search(text) is None


def left_out(length: int, max_chars: int) -> int:
    """How many characters a cut at ``max_chars`` leaves out, 0 for no cut.

    The ``…⟨+N chars⟩`` note is used only where it is shorter than what it hides: a text a
    few characters too long is shown whole ("le-petit-four-ba…⟨+4 chars⟩" said less than the
    four characters would have). A cell narrower than the text still ends in a plain "…".
    """
    over = length - max(0, max_chars)
    if over <= 0 or over <= len(CUT_MARK.format(n=over)):
        return 0
    return over


def marker_for(char: str) -> str:
    """The visible marker shown in place of one unsafe character, e.g. ``⟨ESC⟩``."""
    code = ord(char)
    name = _NAMED.get(code)
    return f"⟨{name}⟩" if name else f"⟨U+{code:04X}⟩"


def _is_emojiish(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in ("So", "Sk")
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _needs_marker(code: int, category: str) -> bool:
    if code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F:
        return True
    if code in _NAMED:
        return True
    return category in ("Cc", "Cf", "Zl", "Zp")


def _clean(text: str, max_combining: int, single_line: bool) -> str:
    """Sanitise every character of ``text`` (already cut to length)."""
    # Windows line ends are ordinary text, a lone CR is not (it rewrites the line).
    text = text.replace("\r\n", "\n")
    if text.isascii():
        pattern = _ASCII_UNSAFE_SINGLE if single_line else _ASCII_UNSAFE
        return pattern.sub(lambda m: _single_line_char(m.group()) or marker_for(m.group()), text)

    out: list[str] = []
    combining = 0
    previous = ""
    in_flag_tags = False
    length = len(text)
    for index, char in enumerate(text):
        code = ord(char)
        if char == "\n" or char == "\t":
            out.append(_single_line_char(char) if single_line else char)
            combining = 0
            previous = char
            continue
        if 0xA0 <= code < 0x300 and code != 0xAD:
            # Latin-1 and Latin Extended hold no controls, marks or format characters
            # apart from the soft hyphen: skip the slow category lookup for them.
            out.append(char)
            combining = 0
            previous = char
            continue
        if 0x20 <= code < 0x7F:
            out.append(char)
            combining = 0
            previous = char
            continue
        if 0xD800 <= code <= 0xDFFF:
            # A lone surrogate cannot be encoded for the terminal at all.
            out.append("\ufffd")
            combining = 0
            previous = "\ufffd"
            continue
        category = unicodedata.category(char)
        if category.startswith("M"):
            combining += 1
            if combining <= max_combining:
                out.append(char)
            continue
        combining = 0
        if 0xE0020 <= code <= 0xE007F and (in_flag_tags or ord(previous or " ") == _FLAG):
            # Tag characters after a black flag spell a subdivision flag (e.g. Scotland).
            out.append(char)
            in_flag_tags = code != 0xE007F
            previous = char
            continue
        in_flag_tags = False
        if code in (0x200C, 0x200D) and _joins(text, index, length, previous):
            out.append(char)
        elif _needs_marker(code, category):
            out.append(marker_for(char))
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _joins(text: str, index: int, length: int, previous: str) -> bool:
    """Whether a ZWJ/ZWNJ sits where it does visible work (emoji sequences, Persian words)."""
    if not previous or index + 1 >= length:
        return False
    following = text[index + 1]
    if text[index] == "\u200d":
        return _is_emojiish(previous) and _is_emojiish(following)
    return unicodedata.category(previous).startswith("L") and unicodedata.category(
        following
    ).startswith("L")


_DROPPED_IN_CELLS = frozenset({0xFE0E, 0xFE0F, 0x200D} | set(range(0x1F3FB, 0x1F400)))
"""Variation selectors, emoji joiners and skin-tone modifiers: terminals disagree on how many
cells the sequence they build takes (tmux 3.3 draws "❤️" in one cell, Rich counts two)."""


def cell_safe(text: str) -> str:
    """``text`` with what terminals measure differently taken out, for one-line cells.

    A line is laid out by Rich's cell count, but the terminal draws it by its own. Where the
    two disagree the columns after the text shift and a later partial redraw leaves stray
    characters ("nowow"). So, for one-line cells only: accents are composed (NFC, "e" +
    U+0301 becomes "é"); emoji variation selectors, zero-width joiners and skin-tone
    modifiers are dropped ("❤️" becomes "❤", a family becomes its members side by side); and
    spacing vowel signs (Unicode Mc, as in Devanagari "नि"), which the terminal gives a cell and
    Rich does not, are dropped. The whole text stays in the conversation view.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code in _DROPPED_IN_CELLS:
            continue
        if code >= 0x900 and unicodedata.category(char) == "Mc":
            continue
        out.append(char)
    return "".join(out)


def _single_line_char(char: str) -> str:
    if char == "\n":
        return NEWLINE_MARK
    if char == "\t":
        return " " * _TAB_WIDTH
    return ""


def sanitize(
    text: object,
    *,
    max_chars: int = 4000,
    max_combining: int = 4,
    single_line: bool = False,
) -> str:
    """Make outside text safe to show: nothing in the result can control the terminal.

    C0 controls other than newline and tab, DEL, C1 controls, bidi controls and
    invisible format characters become visible markers such as ``⟨ESC⟩`` or
    ``⟨U+0085⟩``; lone surrogates become U+FFFD; runs of combining marks are capped;
    text longer than ``max_chars`` is cut and ends with ``…⟨+N chars⟩`` (unless that note
    would be longer than what it hides: see :func:`left_out`).

    Args:
        text: Anything; non-strings are shown through ``str()``.
        max_chars: How many input characters may be shown at most.
        max_combining: How many combining marks may follow one base character.
        single_line: Newlines become ``⏎`` and tabs become spaces, and what terminals
            measure differently is taken out (see :func:`cell_safe`).

    Returns:
        A plain string (not markup: brackets in it mean nothing).
    """
    if isinstance(text, str):
        raw = text
    else:
        try:
            raw = str(text)
        except Exception:  # a hostile __str__ must not break the display
            raw = f"⟨unprintable {type(text).__name__}⟩"
    max_chars = max(0, max_chars)
    if len(raw) <= max_chars and is_plain(raw, single_line=single_line):
        return raw  # nothing to mark, cut or take out: most names and messages
    # Cut before any work so that a megabyte costs no more than max_chars.
    cut = left_out(len(raw), max_chars)
    head = raw[:max_chars] if cut else raw
    cleaned = _clean(head, max(0, max_combining), single_line)
    if single_line:
        cleaned = cell_safe(cleaned)
    if cut:
        cleaned += CUT_MARK.format(n=cut)
    return cleaned
