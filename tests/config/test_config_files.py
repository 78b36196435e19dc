"""Saving config.toml: atomic, and faithful to the user's bytes, mode, BOM, CRLF and symlink."""

from __future__ import annotations

import difflib
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tui.config.prefs import PrefsFile, load_prefs
from tui.config.toml_io import ConfigSyntaxError, atomic_write_text

COMMENTED = """\
# config.toml: comments and layout survive every save
[ui]
theme = "linkdeck-dark"
poll_seconds = 20            # base interval; the sync engine adapts around it

# --- accounts ---------------------------------------------------------------
[[accounts]]
id = "bakery"                # stable local name, used in the store and in filters
platform = "messenger"       # messenger | instagram | (later) matrix
page_id = "104920384756"     # the Page whose inbox this is
token_env = "LINKDECK_BAKERY_TOKEN"   # or token_command = "pass show linkdeck/bakery",
                                      # or a [secrets] entry in secrets.toml (0600)

[privacy.bakery]
send_read_receipts = false   # customers never see "seen"
    store_bodies   =   true  # odd spacing is the user's business

[notifications]
dnd = false

[[notifications.rules]]
name = "VIP customers"
enabled = true
senders = ["vip"]
action = "notify"
sinks = ["toast", "desktop"]
"""


def changed_lines(before: str, after: str) -> list[str]:
    """The lines removed or added between two texts (without the diff headers)."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_editing_one_key_leaves_every_other_byte_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", COMMENTED)
    PrefsFile(path).set_privacy("bakery", "send_read_receipts", True)
    after = path.read_text()
    assert changed_lines(COMMENTED, after) == [
        '-send_read_receipts = false   # customers never see "seen"',
        '+send_read_receipts = true   # customers never see "seen"',
    ]
    PrefsFile(path).set_ui("poll_seconds", 45)
    assert changed_lines(COMMENTED, path.read_text()) == [
        "-poll_seconds = 20            # base interval; the sync engine adapts around it",
        "+poll_seconds = 45            # base interval; the sync engine adapts around it",
        '-send_read_receipts = false   # customers never see "seen"',
        '+send_read_receipts = true   # customers never see "seen"',
    ]
    prefs, problems = load_prefs(path)
    assert problems == []
    assert prefs.poll_seconds == 45
    assert prefs.privacy_for("bakery").send_read_receipts is True


def test_toggling_a_rule_changes_only_its_enabled_line(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", COMMENTED)
    PrefsFile(path).set_rule_enabled(0, False)
    assert changed_lines(COMMENTED, path.read_text()) == ["-enabled = true", "+enabled = false"]
    assert load_prefs(path)[0].notifications.rules[0].enabled is False


def test_new_keys_are_added_without_disturbing_existing_text(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", COMMENTED)
    prefs_file = PrefsFile(path)
    prefs_file.set_keymap("inbox.refresh", "f5")
    prefs_file.set_notification("dnd", True)
    prefs_file.set_privacy("bakery", "backfill_days", None)
    changes = changed_lines(COMMENTED, path.read_text())
    assert all(line.startswith("+") for line in changes if "dnd" not in line)
    assert "-dnd = false" in changes
    prefs, problems = load_prefs(path)
    assert problems == []
    assert prefs.keymap == {"inbox.refresh": "f5"}
    assert prefs.notifications.dnd is True
    assert prefs.privacy_for("bakery").backfill_days is None


def test_a_broken_file_is_reported_with_line_and_column_and_never_overwritten(
    tmp_path: Path,
) -> None:
    broken = COMMENTED.replace('theme = "linkdeck-dark"', 'theme = = "linkdeck-dark"')
    path = write(tmp_path / "config.toml", broken)
    prefs, problems = load_prefs(path)
    assert prefs.accounts == ()
    assert prefs.poll_seconds == 20.0
    [problem] = problems
    assert (problem.line, problem.column) == (3, 9)
    assert str(problem).startswith(f"{path}:3:9: ")
    with pytest.raises(ConfigSyntaxError) as caught:
        PrefsFile(path).set_ui("theme", "light")
    assert (caught.value.line, caught.value.column) == (3, 9)
    assert str(path) in str(caught.value)
    assert path.read_text() == broken
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_invalid_utf8_is_located_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[ui]\ntheme = "caf\xe9"\n')
    [problem] = load_prefs(path)[1]
    assert (problem.line, problem.column) == (2, 13)
    assert "UTF-8" in problem.message


def test_a_symlinked_config_stays_a_link_and_its_target_changes(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = write(dotfiles / "linkdeck.toml", COMMENTED)
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    PrefsFile(link).set_ui("theme", "linkdeck-light")
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert 'theme = "linkdeck-light"' in target.read_text()
    assert sorted(p.name for p in dotfiles.iterdir()) == ["linkdeck.toml"]


def test_the_file_mode_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", COMMENTED)
    path.chmod(0o640)
    PrefsFile(path).set_ui("theme", "linkdeck-light")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_new_config_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    PrefsFile(path).set_ui("theme", "linkdeck-light")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_prefs(path)[0].theme == "linkdeck-light"


def test_bom_and_crlf_survive_a_save(tmp_path: Path) -> None:
    original = "\ufeff" + COMMENTED.replace("\n", "\r\n")
    path = write(tmp_path / "config.toml", original)
    assert load_prefs(path)[1] == []
    prefs_file = PrefsFile(path)
    prefs_file.set_ui("theme", "linkdeck-light")
    prefs_file.set_keymap("inbox.refresh", "f5")
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert data.count(b"\n") == data.count(b"\r\n")
    expected = original.replace('"linkdeck-dark"', '"linkdeck-light"')
    assert data.decode("utf-8").startswith(expected)
    assert load_prefs(path)[0].keymap == {"inbox.refresh": "f5"}


def test_a_failed_change_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", COMMENTED)

    def explode(doc: object) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        PrefsFile(path).edit(explode)
    assert path.read_text() == COMMENTED
    with pytest.raises(KeyError):
        PrefsFile(path).remove_account("nobody")
    assert path.read_text() == COMMENTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_atomic_write_text_replaces_in_one_step(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    atomic_write_text(path, "one\n")
    inode = path.stat().st_ino
    atomic_write_text(path, "two\r\n")
    assert path.read_bytes() == b"two\r\n"
    assert path.stat().st_ino != inode  # a rename, not an in-place rewrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_new_tables_get_a_blank_line_and_the_file_end_stays_tidy(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[ui]\ntheme = "x"\n\n[keymap]\n"a.b" = "c"\n')
    prefs_file = PrefsFile(path)
    prefs_file.set_privacy("bakery", "send_typing", False)
    prefs_file.set_notification("flood_seconds", 30)
    assert path.read_text() == (
        '[ui]\ntheme = "x"\n\n[keymap]\n"a.b" = "c"\n\n'
        "[privacy.bakery]\nsend_typing = false\n\n"
        "[notifications]\nflood_seconds = 30\n"
    )


def test_concurrent_writers_do_not_lose_each_others_edits(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", COMMENTED)
    # Separate PrefsFile objects stand for separate processes: only the folder lock
    # keeps their read-modify-write cycles from overlapping.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: PrefsFile(path).set_keymap(f"area.verb{i}", f"f{i}"), range(24)))
    prefs, problems = load_prefs(path)
    assert problems == []
    assert prefs.keymap == {f"area.verb{i}": f"f{i}" for i in range(24)}
    assert path.read_text().startswith(COMMENTED)


def test_a_save_sweeps_temporary_files_left_by_a_killed_save(tmp_path: Path) -> None:
    import os
    import time

    from tui.config.toml_io import atomic_write_text

    target = tmp_path / "config.toml"
    target.write_text("a = 1\n")
    stale = tmp_path / ".config.toml.abc123.tmp"
    fresh = tmp_path / ".config.toml.def456.tmp"
    stale.write_text("half a save")
    fresh.write_text("a save in progress elsewhere")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    atomic_write_text(target, "a = 2\n")
    assert target.read_text() == "a = 2\n"
    assert not stale.exists(), "an hour-old leftover is swept"
    assert fresh.exists(), "a temporary file that may still be in use is left alone"
