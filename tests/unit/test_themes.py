"""Bundled and user themes load, register on an App and apply; broken files are named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.app import App

from tui.app import DashboardApp
from tui.themes import bundled_themes_dir, load_themes

REPO_THEMES = Path(__file__).resolve().parents[2] / "themes"
REQUIRED = {"linkdeck-dark", "linkdeck-light", "linkdeck-high-contrast", "linkdeck-ansi16"}


def test_bundled_themes_load_without_problems() -> None:
    themes, problems = load_themes()
    assert problems == []
    assert set(themes) >= REQUIRED
    assert {path.stem for path in REPO_THEMES.glob("*.toml")} == set(themes)
    assert themes["linkdeck-light"].dark is False


@pytest.mark.parametrize("name", sorted(p.stem for p in REPO_THEMES.glob("*.toml")))
async def test_every_bundled_theme_registers_and_applies(name: str) -> None:
    app = DashboardApp(theme=name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == name
        variables = app.get_css_variables()
        for ours in ("inbox-unread", "status-ok", "status-error", "muted-text"):
            assert variables[ours]
        # Every other bundled theme applies live as well.
        app.theme = "linkdeck-light" if name != "linkdeck-light" else "linkdeck-dark"
        await pilot.pause()


async def test_themes_register_on_a_plain_app() -> None:
    themes, _ = load_themes()
    app: App[None] = App()
    for theme in themes.values():
        app.register_theme(theme)
    async with app.run_test():
        for name in themes:
            app.theme = name
            assert app.current_theme.name == name


def test_ansi16_uses_only_the_sixteen_ansi_colours() -> None:
    data = tomllib.loads((REPO_THEMES / "linkdeck-ansi16.toml").read_text())
    colours = [v for k, v in data.items() if isinstance(v, str) and k != "name"]
    colours += list(data["variables"].values())
    assert colours
    assert all(value.startswith("ansi_") for value in colours)
    themes, _ = load_themes()
    assert themes["linkdeck-ansi16"].ansi is True


def test_user_theme_overrides_and_adds(tmp_path: Path) -> None:
    (tmp_path / "linkdeck-dark.toml").write_text('primary = "#010203"\n')
    (tmp_path / "mine.toml").write_text('name = "mine"\nprimary = "red"\ndark = false\n')
    themes, problems = load_themes(tmp_path)
    assert problems == []
    assert themes["linkdeck-dark"].primary == "#010203"
    assert themes["mine"].dark is False
    assert "linkdeck-light" in themes


def test_broken_user_themes_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = \n')
    (tmp_path / "badcolour.toml").write_text('primary = "not-a-colour"\n')
    (tmp_path / "extra.toml").write_text('primary = "#123456"\nsparkle = true\n')
    (tmp_path / "noprimary.toml").write_text("dark = true\n")
    (tmp_path / "markup.toml").write_text('name = "[@click=app.quit]x"\nprimary = "red"\n')
    (tmp_path / "badvar.toml").write_text('primary = "red"\n[variables]\ninbox-unread = "loud"\n')
    themes, problems = load_themes(tmp_path)
    text = "\n".join(problems)
    assert "broken.toml" in text and "line 2" in text
    assert "badcolour.toml: primary = 'not-a-colour' is not a colour" in text
    assert "extra.toml: unknown key 'sparkle'" in text
    assert "noprimary.toml: 'primary' colour is required" in text
    assert "markup.toml: name '[@click=app.quit]x' must be letters" in text
    assert "badvar.toml: [variables] inbox-unread = 'loud' is not a colour" in text
    assert "extra" in themes  # an unknown key is reported, the theme still loads
    assert not {"broken", "badcolour", "noprimary", "badvar", "[@click=app.quit]x"} & set(themes)


async def test_user_ansi_theme_without_textual_variables_still_runs(tmp_path: Path) -> None:
    (tmp_path / "bare-ansi.toml").write_text('ansi = true\nprimary = "ansi_red"\n')
    app = DashboardApp(theme="bare-ansi", user_themes_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "bare-ansi"


def test_installed_wheel_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "packed.toml").write_text('name = "packed"\nprimary = "#ABCDEF"\n')
    themes, problems = load_themes(bundled_dir=tmp_path)
    assert problems == []
    assert set(themes) == {"packed"}
    # Without a wheel's tui/_themes, the repository folder is the bundled one.
    assert Path(str(bundled_themes_dir())) == REPO_THEMES
