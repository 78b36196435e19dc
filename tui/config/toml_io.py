"""Reads and writes TOML files byte-faithfully: BOM, line endings, mode and symlinks survive."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import ParseError
from tomlkit.toml_document import TOMLDocument

__all__ = [
    "ConfigSyntaxError",
    "TomlFile",
    "atomic_write_bytes",
    "atomic_write_text",
    "folder_lock",
    "parse_toml",
    "read_toml",
    "write_toml",
]

BOM = "\ufeff"


class ConfigSyntaxError(Exception):
    """A TOML file that cannot be read; it is never overwritten while in this state."""

    def __init__(self, file: Path, message: str, line: int | None, column: int | None) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass
class TomlFile:
    """A parsed TOML document plus what it takes to write it back the way it was."""

    doc: TOMLDocument
    bom: bool = False
    newline: str = "\n"
    exists: bool = True


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def parse_toml(path: Path, data: bytes) -> TomlFile:
    """Parse ``data`` read from ``path``.

    Raises:
        ConfigSyntaxError: not UTF-8, or not TOML; the error names line and column (1-based).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data, exc.start)
        raise ConfigSyntaxError(path, "not valid UTF-8 text", line, column) from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    # The file keeps the style most of its lines use; tomlkit works on "\n" only.
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    text = text.replace("\r\n", "\n")
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        # tomlkit counts columns from 0; editors and people count from 1.
        message = str(exc).split(" at line ")[0]
        raise ConfigSyntaxError(path, message, exc.line, exc.col + 1) from None
    return TomlFile(doc=doc, bom=bom, newline=newline)


def read_toml(path: Path) -> TomlFile:
    """Read and parse ``path``; a missing file gives an empty document with ``exists=False``.

    Raises:
        ConfigSyntaxError: the file is not valid TOML.
        OSError: the file exists but cannot be read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return TomlFile(doc=tomlkit.document(), exists=False)
    return parse_toml(path, data)


def write_toml(
    path: Path, toml: TomlFile, *, mode: int | None = None, trim_end: bool = False
) -> None:
    """Write ``toml`` back atomically with its original BOM and line endings.

    ``trim_end`` drops blank lines a new table left at the very end of the file.
    """
    text = tomlkit.dumps(toml.doc)
    if trim_end and text.endswith("\n\n"):
        text = text.rstrip("\n") + "\n"
    if toml.newline != "\n":
        text = text.replace("\n", toml.newline)
    if toml.bom:
        text = BOM + text
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


@contextlib.contextmanager
def folder_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder of ``path`` for one read-modify-write.

    Two processes (the dashboard and ``linkdeck link``) editing the same file would
    otherwise lose one of the edits. The folder is locked, not the file, because the
    file is replaced by a rename and a lock on the old file would guard nothing.
    """
    folder = Path(os.path.realpath(path)).parent
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` as UTF-8, exactly as given (no newline translation); see below."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old file or the new, never half.

    A temporary file in the same folder is written, flushed to disk, renamed over the
    target, and the folder is synced so the rename itself survives a power cut. A symlink
    stays a symlink: its target is written. The file keeps its permission bits (and owner
    when allowed) unless ``mode`` is given; a new file gets ``mode`` or 0600.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        old = target.stat()
    except FileNotFoundError:
        old = None
    new_mode = mode if mode is not None else (old.st_mode & 0o7777 if old else 0o600)
    _sweep_leftovers(folder, target.name)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if old is not None and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                # Only root (or a member of the group) may keep the old owner; else ours.
                with contextlib.suppress(PermissionError):
                    os.fchown(handle.fileno(), old.st_uid, old.st_gid)
            os.fchmod(handle.fileno(), new_mode)
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(folder)


LEFTOVER_AGE = 60.0
"""Seconds after which a temporary file of ours is surely an abandoned one."""


def _sweep_leftovers(folder: Path, name: str) -> None:
    """Remove temporary files that a killed save left behind (never a fresh one)."""
    now = time.time()
    for leftover in folder.glob(f".{glob.escape(name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > LEFTOVER_AGE:
                leftover.unlink()


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some filesystems refuse fsync on a folder; the rename already happened
    finally:
        os.close(dir_fd)
