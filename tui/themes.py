"""Reads themes/*.toml (bundled and the user's own) into Textual Theme objects."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import fields
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

__all__ = [
    "DEFAULT_THEME",
    "TEXTUAL_ANSI_DEFAULTS",
    "THEME_VARIABLE_DEFAULTS",
    "bundled_themes_dir",
    "load_themes",
    "parse_theme",
]

DEFAULT_THEME = "linkdeck-dark"

THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "inbox-unread": "#FFAF5F",
    "status-ok": "#87D787",
    "status-busy": "#5FAFD7",
    "status-warn": "#FFD75F",
    "status-error": "#FF5F5F",
    "muted-text": "#8A8A8A",
}
"""Our own CSS variables (all colours); a theme may set any of them under ``[variables]``."""

TEXTUAL_ANSI_DEFAULTS: dict[str, str] = {
    "ansi-background": "ansi_black",
    "ansi-foreground": "ansi_white",
}
"""Textual's own CSS needs these in native ANSI mode; a user theme may forget them."""

_COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_THEME_KEYS = {f.name for f in fields(Theme)}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def bundled_themes_dir() -> Traversable:
    """Where the shipped themes live: ``tui/_themes`` in a wheel, else the repo's ``themes/``."""
    packaged = files("tui") / "_themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


def parse_theme(data: Mapping[str, Any], source: str, stem: str) -> tuple[Theme | None, list[str]]:
    """One theme from parsed TOML, plus problems (each names ``source`` and the key).

    A theme with a bad colour or without ``primary`` is refused; unknown keys are
    reported and ignored.
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _THEME_KEYS:
            problems.append(f"{source}: unknown key {key!r} (not a theme setting)")
            continue
        values[key] = value
    name = values.setdefault("name", stem)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        # Textual's theme picker reads names as markup, so brackets must never get in.
        return None, [*problems, f"{source}: name {name!r} must be letters, digits, - _ or ."]
    if name != stem:
        problems.append(f"{source}: name {name!r} differs from the file name {stem!r}")
    if "primary" not in values:
        return None, [*problems, f"{source}: 'primary' colour is required"]
    for key in _COLOR_KEYS:
        if key in values and not _is_color(values[key]):
            return None, [*problems, f"{source}: {key} = {values[key]!r} is not a colour"]
    for key in ("dark", "ansi"):
        if key in values and not isinstance(values[key], bool):
            return None, [*problems, f"{source}: {key} must be true or false"]
    for key in ("luminosity_spread", "text_alpha"):
        if key in values and not isinstance(values[key], int | float):
            return None, [*problems, f"{source}: {key} must be a number"]
    variables = values.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        return None, [*problems, f"{source}: [variables] must map names to strings"]
    for key in THEME_VARIABLE_DEFAULTS.keys() & variables.keys():
        if not _is_color(variables[key]):
            return None, [
                *problems,
                f"{source}: [variables] {key} = {variables[key]!r} is not a colour",
            ]
    values["variables"] = dict(variables)
    return Theme(**values), problems


def _is_color(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


def _theme_files(folder: Traversable) -> Iterable[Traversable]:
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted((e for e in entries if e.name.endswith(".toml")), key=lambda e: e.name)


def _load_folder(folder: Traversable, label: str) -> tuple[dict[str, Theme], list[str]]:
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for entry in _theme_files(folder):
        source = f"{label}/{entry.name}"
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{source}: {exc}")
            continue
        theme, found = parse_theme(data, source, entry.name.removesuffix(".toml"))
        problems += found
        if theme is not None:
            themes[theme.name] = theme
    return themes, problems


def load_themes(
    user_dir: Path | None = None, bundled_dir: Traversable | None = None
) -> tuple[dict[str, Theme], list[str]]:
    """Every bundled theme, then the user's own (a user theme replaces a bundled one by name).

    Args:
        user_dir: The user's theme folder; missing is fine.
        bundled_dir: Override of the bundled folder (tests).

    Returns:
        ``(themes by name, problems)``; a broken file is skipped and named in the problems.
    """
    folder = bundled_dir if bundled_dir is not None else bundled_themes_dir()
    themes, problems = _load_folder(folder, "themes")
    if user_dir is not None and user_dir.is_dir():
        user_themes, user_problems = _load_folder(user_dir, str(user_dir))
        themes.update(user_themes)
        problems += user_problems
    return themes, problems
