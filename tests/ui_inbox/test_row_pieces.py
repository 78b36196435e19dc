"""Inbox rows drawn straight from pieces look exactly as Textual draws their Content."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip

from tui.domain.confusables import KnownNames
from tui.domain.models import Conversation, Identity, InboxMessage, Platform, TriageState
from tui.modals.search import SearchHitRow
from tui.store import SearchHit
from tui.themes import THEME_VARIABLE_DEFAULTS
from tui.widgets.inbox_rows import ConversationRow, PersonRow
from tui.widgets.pieces import Pieces, cut, fit, to_content
from tui.widgets.pieces import cells as cell_width
from tui.widgets.safe import SCREEN_SHARE
from tui.widgets.virtual_list import PieceRow, VirtualList

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# Text a stranger can send: wide letters, emoji sequences, combining marks, controls,
# bidi overrides, markup, escapes, look-alikes.
HOSTILE = [
    "Ana Souza",
    "李小龍李小龍李小龍李小龍李小龍",
    "👩‍👩‍👧‍👦 family 🏳️‍🌈 flags 🇧🇷",
    "Zoë e\u0301\u0301\u0301\u0301\u0301\u0301 José",
    "[bold red]Boss[/] \x1b[31mred\x1b]0;pwned\x07 \u202etxt",
    "Аna Ѕouza",
    "tab\there\nnew line\r\x00nul",
    "x" * 300,
    "",
    "   ",
    "a中b中c中d中e中f中g中h中i中j中k",
]


def conversation(n: int, name: str, snippet: str, **changes: object) -> Conversation:
    base: dict[str, object] = {
        "account_id": "bakery-page" if n % 2 else "ig",
        "remote_id": f"t_{n}",
        "platform": Platform.MESSENGER if n % 3 else Platform.INSTAGRAM,
        "customer": Identity("bakery", f"psid-{n}", name=name),
        "updated_at": NOW - timedelta(minutes=n * 37),
        "snippet": snippet,
        "unread_count": (0, 3, 150)[n % 3],
        "last_inbound_at": NOW - timedelta(hours=n % 30),
    }
    base.update(changes)
    return Conversation(**base)  # type: ignore[arg-type]


def hostile_rows() -> list[ConversationRow | PersonRow]:
    rows: list[ConversationRow | PersonRow] = []
    for n, name in enumerate(HOSTILE):
        snippet = HOSTILE[(n + 3) % len(HOSTILE)]
        triage = TriageState(
            pinned=n % 2 == 0,
            muted=n % 4 == 1,
            labels=(("vip", "李order", "[b]x[/b]", "🎂cake") if n % 3 == 0 else ()),
        )
        c = conversation(n, name, snippet, triage=triage, draft=n % 5 == 2)
        rows.append(ConversationRow(c, NOW, marked=n == 3, lookalike="Ana" if n == 5 else None))
        if n % 4 == 0:
            rows.append(
                PersonRow(n, name, c, 2, n, c.last_inbound_at, ("messenger", "instagram"), NOW)
            )
    room = conversation(99, "Room", "hi", remote_id="!room:example.org")
    rows.append(ConversationRow(room, NOW))
    return rows


KNOWN = KnownNames.of([(name, "someone-else", None) for name in HOSTILE])
"""Every hostile name belongs to someone else: each writer passes for them (≈)."""


def hostile_hits() -> list[SearchHitRow]:
    """Search results over the same texts: matches at the start, deep in a long text (the
    excerpt starts later, behind a …), past the end, ours, still in the outbox, no
    conversation, a name passing for someone known."""
    rows: list[SearchHitRow] = []
    for n, text in enumerate(HOSTILE):
        body = (HOSTILE[(n + 5) % len(HOSTILE)] + " ") * (n % 3) + text + " zanzibar end"
        at = body.index("zanzibar")
        spans = [(0, 3), (at, at + 8), (len(body) + 4, len(body) + 9)]
        message = InboxMessage(
            account_id=HOSTILE[(n + 1) % len(HOSTILE)] or "bakery",
            remote_id=f"m_{n}",
            conversation_id=f"t_{n}",
            sender_id=f"psid-{n}",
            created_at=NOW - timedelta(hours=n * 5),
            text=body,
            from_us=n % 4 == 3,
            sender_name=text if n % 2 else "",
        )
        talk = None if n == 6 else conversation(n, text, "")
        hit = SearchHit(message, talk, spans if n % 5 else [], outbox=n == 7)
        rows.append(SearchHitRow(hit, NOW, KNOWN if n % 3 == 1 else None))
    return rows


@dataclass(frozen=True)
class AsContent:
    """The same row offering only its Content: the way every other list row is drawn."""

    row: PieceRow

    @property
    def key(self) -> Hashable:
        return self.row.key

    def render(self, width: int) -> Content:
        return self.row.render(width)


class Rows:
    def __init__(self, rows: Sequence[PieceRow | AsContent]) -> None:
        self._rows = rows

    def count(self) -> int:
        return len(self._rows)

    def rows(self, offset: int, limit: int) -> Sequence[PieceRow | AsContent]:
        return self._rows[offset : offset + limit]

    def index_of(self, key: Hashable) -> int | None:
        return None


class TwoLists(App[None]):
    CSS = "VirtualList { height: 1fr; }"

    def __init__(self, rows: Sequence[PieceRow]) -> None:
        super().__init__()
        self.rows = rows

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLE_DEFAULTS}

    def compose(self) -> ComposeResult:
        yield VirtualList(Rows(self.rows), id="pieces")
        yield VirtualList(Rows([AsContent(row) for row in self.rows]), id="content")


def cells(strips: list[Strip]) -> list[list[tuple[str, Style | None]]]:
    return [[(char, style) for text, style, _ in strip for char in text] for strip in strips]


@pytest.mark.parametrize(
    ("kind", "sharing"), [("inbox", False), ("search", False), ("search", True)]
)
async def test_rows_drawn_from_pieces_match_their_content_cell_for_cell(
    kind: str, sharing: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every hostile row (inbox lines, search results, with screen sharing on), at every
    width the inbox lays out differently, with and without the cursor, focused or not, in
    two themes: the same characters in the same styles, colour filter included, as the
    row's Content drawn the way other rows are."""
    monkeypatch.setattr(SCREEN_SHARE, "on", sharing)
    rows: Sequence[PieceRow] = hostile_rows() if kind == "inbox" else hostile_hits()
    height = 2 * len(rows) + 2
    app = TwoLists(rows)
    async with app.run_test(size=(120, height)) as pilot:
        fast = app.query_one("#pieces", VirtualList)
        slow = app.query_one("#content", VirtualList)
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            for width in (120, 110, 109, 70, 69, 44, 20):
                await pilot.resize_terminal(width, height)
                for cursor in (0, 3):
                    fast.cursor = slow.cursor = cursor
                    drawn: dict[tuple[str, bool], list[list[tuple[str, Style | None]]]] = {}
                    for focused in (fast, slow):
                        focused.focus()
                        await pilot.pause()
                        for vlist in (fast, slow):
                            region = Region(0, 0, vlist.size.width, vlist.size.height)
                            lines = vlist.render_lines(region)
                            assert all(line.cell_length == vlist.size.width for line in lines)
                            drawn[vlist.id or "", vlist is focused] = cells(lines)
                    for has_focus in (True, False):
                        assert drawn["pieces", has_focus] == drawn["content", has_focus], (
                            theme,
                            width,
                            cursor,
                            has_focus,
                        )
                text = "".join(char for line in drawn["pieces", True] for char, _ in line)
                assert "\x1b" not in text and "\u202e" not in text
                assert width < 110 or "[bold red]Boss" in text or sharing


# Pieces of text as rows build them: any text (wide, emoji, combining, controls made
# visible by the sanitiser are already gone), some styled, some not.
ATOMS = [*"ab #…", "中", "é", "e\u0301", "👩\u200d👩\u200d👧", "🇧🇷", "\u200b", " "]
TEXT = st.lists(st.sampled_from(ATOMS), max_size=10).map("".join)
PIECES = st.lists(st.tuples(TEXT, st.sampled_from(["", "bold", "$accent"])), max_size=6)


@settings(max_examples=300, deadline=None)
@given(pieces=PIECES, width=st.integers(0, 30), ellipsis=st.booleans(), pad=st.booleans())
def test_fitting_pieces_cuts_and_pads_like_content(
    pieces: list[tuple[str, str]], width: int, ellipsis: bool, pad: bool
) -> None:
    """Cutting pieces to a width gives the text and the spans ``Content.truncate`` gives,
    ellipsis, half-cut wide characters and padding included."""
    whole = to_content(Pieces(pieces))
    expected = whole.truncate(width, ellipsis=ellipsis, pad=pad)
    fitted = to_content(Pieces(fit(pieces, width, ellipsis=ellipsis, pad=pad)))
    assert fitted.plain == expected.plain
    assert [
        (span.start, span.end, span.style) for span in fitted.spans if span.end > span.start
    ] == [(span.start, span.end, span.style) for span in expected.spans if span.end > span.start]


# Any character at all, and the ones whose width depends on their neighbours or is
# looked up: joiners, presentation selectors, combining marks, wide and half-width
# letters, controls.
CHARACTER = st.one_of(
    st.sampled_from([*ATOMS, "\u0301", "\ufe0f", "\u200d", "😀", "ｱ", "\x07", "\xad", "ü"]),
    st.characters(exclude_categories=("Cs",)),
)


@settings(max_examples=500, deadline=None)
@given(text=st.lists(CHARACTER, max_size=40).map("".join), width=st.integers(0, 60))
def test_measuring_and_cutting_text_agree_with_rich(text: str, width: int) -> None:
    """The row's own width measure and cut (which look only at the characters Rich would
    look up) give what Rich gives for any text: a wide character cut in half becomes a
    space, combining marks stay with their letter, joined emoji are Rich's to cut."""
    assert cell_width(text) == cell_len(text)
    if cell_len(text) > width:
        assert cut(text, width) == set_cell_size(text, width)
