"""Tokens from the environment, a command or secrets.toml, with errors that never leak them."""

from __future__ import annotations

import stat
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui.config.redact import redact
from tui.config.secrets import (
    SecretError,
    check_secrets_file,
    remove_secret,
    resolve_token,
    save_secret,
)

CANARY = "EAACANARY0123456789"


@dataclass(frozen=True)
class Acct:
    id: str = "bakery"
    token_env: str | None = None
    token_command: str | tuple[str, ...] | None = None


def py(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_token_from_the_environment_is_stripped_and_registered(tmp_path: Path) -> None:
    account = Acct(token_env="LINKDECK_BAKERY_TOKEN")
    token = resolve_token(
        account, tmp_path / "secrets.toml", environ={"LINKDECK_BAKERY_TOKEN": f"  {CANARY}\n"}
    )
    assert token == CANARY
    assert redact(f"sent {CANARY}") == "sent [REDACTED]"
    with pytest.raises(SecretError, match=r"bakery.*LINKDECK_BAKERY_TOKEN is not set"):
        resolve_token(account, tmp_path / "secrets.toml", environ={})


def test_token_from_a_command_without_a_shell(tmp_path: Path) -> None:
    code = f"import sys; print('  {CANARY}  '); print('note: not the token'); sys.stderr.write('x')"
    token = resolve_token(Acct(token_command=py(code)), tmp_path / "s.toml")
    assert token == CANARY
    # A string is split like a shell would, but no shell runs: `;` is just an argument.
    line = f"{sys.executable} -c \"import sys; print(sys.argv[1:])\" a;b '$HOME'"
    assert resolve_token(Acct(token_command=line), tmp_path / "s.toml") == "['a;b', '$HOME']"


def test_a_failing_command_names_the_account_and_status_but_never_its_output(
    tmp_path: Path,
) -> None:
    code = f"import sys; print('{CANARY}'); sys.stderr.write('{CANARY}'); sys.exit(3)"
    with pytest.raises(SecretError) as caught:
        resolve_token(Acct(token_command=py(code)), tmp_path / "s.toml")
    text = str(caught.value)
    assert "account 'bakery'" in text
    assert "exited with status 3" in text
    assert CANARY not in text
    assert CANARY not in "".join(traceback.format_exception(caught.value))


def test_a_command_that_prints_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"account 'bakery'.*printed nothing"):
        resolve_token(Acct(token_command=py("print('   ')")), tmp_path / "s.toml")


def test_a_missing_program_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="'no-such-linkdeck-helper' could not start"):
        resolve_token(Acct(token_command="no-such-linkdeck-helper --x"), tmp_path / "s.toml")


def test_a_slow_command_is_killed_at_the_timeout(tmp_path: Path) -> None:
    # The grandchild keeps the pipe open: only killing the whole group ends the wait.
    code = (
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']);"
        "time.sleep(30)"
    )
    started = time.monotonic()
    with pytest.raises(SecretError, match=r"account 'bakery'.*timed out after 0.5 s"):
        resolve_token(Acct(token_command=py(code)), tmp_path / "s.toml", timeout=0.5)
    assert time.monotonic() - started < 5


def write_secrets(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_secrets_file_readable_by_others_is_refused_with_chmod_advice(tmp_path: Path) -> None:
    path = write_secrets(tmp_path / "secrets.toml", f'[secrets]\nbakery = "{CANARY}"\n', 0o644)
    advice = check_secrets_file(path)
    assert advice is not None
    assert advice.endswith(f"chmod 600 {path.resolve()}")
    with pytest.raises(SecretError) as caught:
        resolve_token(Acct(), path)
    assert f"chmod 600 {path.resolve()}" in str(caught.value)
    assert CANARY not in str(caught.value)
    path.chmod(0o600)
    assert check_secrets_file(path) is None
    assert resolve_token(Acct(), path) == CANARY


def test_no_token_anywhere_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="account 'bakery': no token configured"):
        resolve_token(Acct(), tmp_path / "secrets.toml")


def test_a_broken_secrets_file_gives_the_position_only(tmp_path: Path) -> None:
    path = write_secrets(tmp_path / "secrets.toml", f"[secrets]\nbakery = {CANARY}\n", 0o600)
    with pytest.raises(SecretError) as caught:
        resolve_token(Acct(), path)
    assert f"{path}:2:" in str(caught.value)
    assert "CANARY" not in str(caught.value)
    with pytest.raises(SecretError):
        save_secret(path, "other", "EAAOTHER000000000")
    assert path.read_text() == f"[secrets]\nbakery = {CANARY}\n"


def test_save_and_remove_keep_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    save_secret(path, "bakery", CANARY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text().replace("[secrets]", "# written by linkdeck\n[secrets]")
    path.write_text(text)
    save_secret(path, "bakery-ig", "IGQWCANARY987654321")
    assert resolve_token(Acct(id="bakery-ig"), path) == "IGQWCANARY987654321"
    assert remove_secret(path, "bakery") is True
    assert remove_secret(path, "bakery") is False
    assert (
        path.read_text() == '# written by linkdeck\n[secrets]\nbakery-ig = "IGQWCANARY987654321"\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o660, 0o604, 0o606, 0o610])
def test_a_secrets_file_the_group_or_others_can_reach_is_refused(tmp_path: Path, mode: int) -> None:
    # Not only world-readable files: a group that can read (0640) or write (0660) it is
    # another person who can take the tokens (issue 17 item 13).
    path = write_secrets(tmp_path / "secrets.toml", f'[secrets]\nbakery = "{CANARY}"\n', mode)
    assert check_secrets_file(path) is not None
    with pytest.raises(SecretError) as caught:
        resolve_token(Acct(), path)
    assert CANARY not in str(caught.value)


def test_saving_tightens_a_loose_secrets_file(tmp_path: Path) -> None:
    path = write_secrets(tmp_path / "secrets.toml", "[secrets]\n", 0o644)
    save_secret(path, "bakery", CANARY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert remove_secret(tmp_path / "missing.toml", "bakery") is False


def test_a_command_printing_100_mb_is_stopped_at_64_kib_and_says_so(tmp_path: Path) -> None:
    import resource

    # 100 MB on one line, then it would keep going: neither memory nor time may follow it.
    code = "import sys\nfor _ in range(100): sys.stdout.buffer.write(b'A' * 1048576)\n"
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(SecretError, match=r"account 'bakery'.*printed more than 64 KiB") as err:
        resolve_token(Acct(token_command=py(code)), tmp_path / "s.toml", timeout=60)
    assert time.monotonic() - started < 10
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 20 * 1024, f"memory grew by {grown_kib} KiB"
    assert "AAAA" not in str(err.value)
