"""Look-alike names: a small take on Unicode TR39 skeletons for the common confusables.

No well-kept PyPI package computes TR39 skeletons (``confusable-homoglyphs`` answers
"is this string confusable" per character, ``confusables`` builds regexes; neither
gives the skeleton), so this keeps a short table of the letters strangers use in
practice (Cyrillic and Greek capitals and small letters that look Latin, digit/letter
swaps) on top of NFKD, which already folds full-width and mathematical letters.
"""

from __future__ import annotations

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
    folded = _spaces_and_marks(text).casefold().translate(_TABLE)
    return folded.replace("rn", "m")


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
class _Known:
    name: str
    ids: frozenset[str]
    people: frozenset[int]


@dataclass(frozen=True)
class KnownNames:
    """The skeletons of the names the user knows, and whose they really are."""

    by_skeleton: Mapping[str, _Known] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str, int | None]]) -> KnownNames:
        """From ``(name, customer id, person id)`` of known people (see ``Store.known_names``)."""
        names: dict[str, str] = {}
        ids: dict[str, set[str]] = {}
        people: dict[str, set[int]] = {}
        for name, customer_id, person_id in entries:
            key = skeleton(name[:MAX_NAME_CHARS])
            if not key:
                continue
            names.setdefault(key, name[:MAX_NAME_CHARS])
            if customer_id:
                ids.setdefault(key, set()).add(customer_id)
            if person_id is not None:
                people.setdefault(key, set()).add(person_id)
        return cls(
            {
                key: _Known(name, frozenset(ids.get(key, ())), frozenset(people.get(key, ())))
                for key, name in names.items()
            }
        )

    def lookalike(self, name: str, customer_id: str, person_id: int | None) -> str | None:
        """The known name ``name`` passes for when its owner is someone else, else None."""
        if not self.by_skeleton or not name:
            return None
        known = self.by_skeleton.get(skeleton(name[:MAX_NAME_CHARS]))
        if known is None:
            return None
        if customer_id and customer_id in known.ids:
            return None
        if person_id is not None and person_id in known.people:
            return None
        return known.name
