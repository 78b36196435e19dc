"""Look-alike names: a small take on Unicode TR39 skeletons for the common confusables.

No well-kept PyPI package computes TR39 skeletons (``confusable-homoglyphs`` answers
"is this string confusable" per character, ``confusables`` builds regexes; neither
gives the skeleton), so this keeps a short table of the letters strangers use in
practice (Cyrillic and Greek capitals and small letters that look Latin, digit/letter
swaps) on top of NFKD, which already folds full-width and mathematical letters.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["DISGUISE_MARK", "KnownNames", "disguised", "skeleton"]

MAX_NAME_CHARS = 200
"""Only so much of a name is compared: a 1 MB name must not be folded whole."""

DISGUISE_MARK = "≈"
"""Shown before a name that is not what it looks like (mixed scripts, odd spaces, ...)."""

_TABLE = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
        "х": "x", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
        "ь": "b", "п": "n",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ζ": "z", "μ": "u",
        # digits and letters that pass for one another
        "0": "o", "1": "l", "|": "l", "ı": "i", "ℓ": "l",
    }
)  # fmt: skip


def _spaces_and_marks(text: str) -> str:
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category.startswith("M") or category == "Cf":
            continue  # combining marks, zero-width and bidi characters
        kept.append(" " if category.startswith("Z") or char.isspace() else char)
    return " ".join("".join(kept).split())


def skeleton(text: str) -> str:
    """Two names with the same skeleton look alike on screen.

    NFKD (full-width and mathematical letters become plain ones), combining marks and
    format characters dropped, every kind of space one space, case folded, then the
    table of look-alike letters; ``rn`` reads as ``m``.
    """
    if text.isascii():
        # NFKD leaves ASCII as it is and it holds no mark or format character; its
        # whitespace is what ``split`` splits on. So only the spaces need folding.
        # Most names are ASCII: this is 4x quicker than the general path.
        return _letters(" ".join(text.split()))
    if len(text) <= _CACHED_CHARS:
        return _cached_skeleton(text)
    return _letters(_spaces_and_marks(text))


_CACHED_CHARS = 40
"""Names up to this long keep their skeleton in memory: the known names are folded again
at every refresh, and a non-ASCII name costs ~10 us. Longer ones (rare, or a stranger's
padding) are folded each time, so the cache stays under ~30 MB even when full."""


@functools.lru_cache(maxsize=65536)
def _cached_skeleton(text: str) -> str:
    return _letters(_spaces_and_marks(text))


def _letters(text: str) -> str:
    return text.casefold().translate(_TABLE).replace("rn", "m")


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script
    return ""


def disguised(name: str) -> bool:
    """Whether ``name`` is drawn like a different, plainer name.

    True for mixed Latin/Cyrillic/Greek letters within one word, full-width or
    mathematical letters, spaces other than the plain one (or leading, trailing,
    doubled), and invisible format characters.
    """
    if not name or (name.isascii() and name == " ".join(name.split())):
        return False
    if unicodedata.normalize("NFKC", name) != name or name != " ".join(name.split()):
        return True
    if any(unicodedata.category(c) == "Cf" or (c.isspace() and c != " ") for c in name):
        return True
    for word in name.split(" "):
        scripts = {_script(c) for c in word if c.isalpha()} - {""}
        if len(scripts) > 1:
            return True
    return False


@dataclass(frozen=True)
class KnownNames:
    """The skeletons of the names the user knows, and whose they really are.

    Flat on purpose: a large store knows tens of thousands of names, folded again at
    every refresh, so each takes one dict entry and one pair in a set, not objects of
    its own (a set and a record per name took 3x as long as the folding itself).
    """

    names: Mapping[str, str] = field(default_factory=dict)
    """Each skeleton and the first known name with it (what a look-alike passes for)."""
    ids: frozenset[tuple[str, str]] = frozenset()
    """``(skeleton, customer id)``: who really owns a name on a platform."""
    people: frozenset[tuple[str, int]] = frozenset()
    """``(skeleton, person id)``: the merged people who own a name."""

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str, int | None]]) -> KnownNames:
        """From ``(name, customer id, person id)`` of known people (see ``Store.known_names``)."""
        names: dict[str, str] = {}
        ids: set[tuple[str, str]] = set()
        people: set[tuple[str, int]] = set()
        for name, customer_id, person_id in entries:
            name = name[:MAX_NAME_CHARS]
            key = skeleton(name)
            if not key:
                continue
            names.setdefault(key, name)
            if customer_id:
                ids.add((key, customer_id))
            if person_id is not None:
                people.add((key, person_id))
        return cls(names, frozenset(ids), frozenset(people))

    def lookalike(self, name: str, customer_id: str, person_id: int | None) -> str | None:
        """The known name ``name`` passes for when its owner is someone else, else None."""
        if not self.names or not name:
            return None
        key = skeleton(name[:MAX_NAME_CHARS])
        known = self.names.get(key)
        if known is None:
            return None
        if customer_id and (key, customer_id) in self.ids:
            return None
        if person_id is not None and (key, person_id) in self.people:
            return None
        return known


_last_fold: tuple[tuple[tuple[str, str, int | None], ...], KnownNames] | None = None


def fold_known(entries: Iterable[tuple[str, str, int | None]]) -> KnownNames:
    """``KnownNames.of(entries)``, the last fold given back when the entries are the same.

    The inbox reads the known names again every minute, and every search and conversation
    screen reads them as it opens; between two reads they rarely change. Comparing 50,000
    entries takes 1-3 ms, folding them about a tenth of a second, held against the screen
    (a thread still holds the GIL). Safe from any thread: at worst two fold at once.
    """
    global _last_fold
    given = tuple(entries)
    last = _last_fold
    if last is not None and last[0] == given:
        return last[1]
    known = KnownNames.of(given)
    _last_fold = (given, known)
    return known
