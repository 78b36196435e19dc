"""Outside text never controls the terminal and never acts as markup."""

from __future__ import annotations

import io
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment

from tui.domain.safetext import _clean, cell_safe, sanitize
from tui.widgets.safe import safe, safe_highlight

# Anything a terminal could act on: C0 except newline/tab, DEL, C1.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI_AND_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")

NASTY = st.sampled_from(
    [
        "\x1b",
        "\x1b[2J",
        "\x1b]52;c;SGVsbG8=\x07",
        "\x1bP1$r\x1b\\",
        "\x9b",
        "\x85",
        "\x07",
        "\x00",
        "\r",
        "\x7f",
        "\u202e",
        "\u200b",
        "\ufeff",
        "\ud800",
        "\u0301" * 30,
        "[bold]",
        "[/]",
        "[@click=app.quit]",
        "[link=https://e.vil]",
        "\n",
        "\t",
        "e",
        "👍",
    ]
)
ANY_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=200),
    st.lists(NASTY, max_size=40).map("".join),
)


def assert_inert(segments: list[Segment]) -> None:
    for segment in segments:
        assert not FORBIDDEN.search(segment.text), repr(segment.text)
        assert not BIDI_AND_INVISIBLE.search(segment.text), repr(segment.text)
        style = segment.style
        if style is not None:
            assert style.link is None
            assert not style.meta


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.booleans())
def test_no_terminal_control_survives(text: str, single_line: bool) -> None:
    content = safe(text, single_line=single_line)
    segments = content.render_segments()
    assert_inert(segments)
    # Through a real Rich console as well: what it writes has no escape at all.
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system=None, width=60).print(content)
    assert "\x1b" not in buffer.getvalue()
    assert not FORBIDDEN.search(buffer.getvalue())
    if single_line:
        assert "\n" not in content.plain


@settings(max_examples=150, deadline=None)
@given(ANY_TEXT, st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=4))
def test_highlight_is_as_inert_as_plain(text: str, spans: list[tuple[int, int]]) -> None:
    content = safe_highlight(text, spans, "bold reverse")
    assert_inert(content.render_segments())


ASCII_TEXT = st.one_of(
    st.text(st.characters(max_codepoint=0x7F), max_size=120),
    st.lists(
        st.sampled_from(["word ", "\t", "\n", "\r\n", "\x1b[2J", "\x7f", "[b]"]), max_size=20
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(ASCII_TEXT, st.booleans())
def test_plain_text_is_returned_as_the_full_cleaning_would_return_it(
    text: str, single_line: bool
) -> None:
    # sanitize returns plain ASCII text untouched without cleaning it; the cleaning it
    # skips must have had nothing to change (a control character let through would
    # reach the terminal).
    cleaned = _clean(text, 4, single_line)
    expected = cell_safe(cleaned) if single_line else cleaned
    assert sanitize(text, max_chars=len(text), single_line=single_line) == expected


def test_highlight_marks_the_right_words_after_markers() -> None:
    text = "\x1b\x1bhello world"
    content = safe_highlight(text, [(8, 13)], "reverse")
    assert content.plain == "⟨ESC⟩⟨ESC⟩hello world"
    (span,) = content.spans
    assert content.plain[span.start : span.end] == "world"


def test_markup_shows_literally() -> None:
    for evil in ("[bold]x[/]", "[@click=app.quit]x[/]", "[link=https://e.vil]x[/]"):
        content = safe(evil)
        assert content.plain == evil
        assert content.spans == []
        assert_inert(content.render_segments())


def test_named_markers() -> None:
    assert sanitize("a\x1b[2Jb") == "a⟨ESC⟩[2Jb"
    assert sanitize("\x00\x07\x7f") == "⟨NUL⟩⟨BEL⟩⟨DEL⟩"
    assert sanitize("x\x85y") == "x⟨U+0085⟩y"
    assert sanitize("pay\u202etxt.exe") == "pay⟨RLO⟩txt.exe"
    assert sanitize("a\u200bb") == "a⟨ZWSP⟩b"
    assert sanitize("lone \ud800") == "lone \ufffd"


def test_osc52_and_dcs_are_defused() -> None:
    clip = sanitize("\x1b]52;c;cm0gLXJmIH4=\x07")
    assert clip == "⟨ESC⟩]52;c;cm0gLXJmIH4=⟨BEL⟩"
    dcs = sanitize("\x1bP+q544e\x1b\\ and \x90raw\x9c")
    assert dcs == "⟨ESC⟩P+q544e⟨ESC⟩\\ and ⟨U+0090⟩raw⟨U+009C⟩"
    link = sanitize("\x1b]8;;https://e.vil\x1b\\click\x1b]8;;\x1b\\")
    assert "\x1b" not in link and "click" in link


def test_newlines_tabs_and_single_line() -> None:
    assert sanitize("a\tb\nc") == "a\tb\nc"
    assert sanitize("a\tb\r\nc", single_line=True) == "a    b⏎c"
    assert sanitize("over\rwrite") == "over⟨CR⟩write"


def test_combining_flood_is_capped() -> None:
    zalgo = "Z" + "\u0301" * 500 + "a"
    assert sanitize(zalgo, max_combining=4) == "Z" + "\u0301" * 4 + "a"


def test_emoji_sequences_stay_whole() -> None:
    family = "👨\u200d👩\u200d👧"
    assert sanitize(family) == family
    assert sanitize("a\u200db") == "a⟨ZWJ⟩b"


def test_non_strings_and_hostile_str() -> None:
    class Evil:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert sanitize(42) == "42"
    assert sanitize(None) == "None"
    assert sanitize(Evil()) == "⟨unprintable Evil⟩"


def test_megabyte_line_is_cut_fast() -> None:
    line = "\x1b[31m" + "x" * 1_000_000
    started = time.perf_counter()
    content = safe(line, max_chars=200, single_line=True)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.05
    assert content.plain.startswith("⟨ESC⟩[31mxxx")
    assert content.plain.endswith(f"…⟨+{len(line) - 200} chars⟩")
    assert len(content.plain) < 260
