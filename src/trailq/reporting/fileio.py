"""Atomic file writes: `--output`, `--junit`, the `--state` file and `trailq fmt` (missing folders are created).

Failures are told apart by when they happen: `check_writable` runs before anything costs time and
raises UsageError (exit 2, the flag is wrong); `write_atomic` runs after the work and raises
WriteFailedError (exit 5, the results were not written), naming the path either way.

A reader (or the next run after a crash) sees either the old file or the new one, never half of
one: the text goes to a temporary file in the same folder (same filesystem, so the rename is
atomic), is flushed to disk, and then replaces the target with `os.replace`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from trailq.errors import UsageError, WriteFailedError

STDOUT = "-"


def check_writable(path: str | os.PathLike[str] | None, flag: str) -> Path | None:
    """Fail early (before a run costs anything) when `path` cannot be written. None and `-` pass.

    Returns the folder that writing will create (the first missing one), so the command can say
    so, or None when the folder exists.
    """
    if path is None or str(path) == STDOUT:
        return None
    if str(path) == "":
        raise UsageError(f"{flag} needs a file name (use - for stdout)")
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path}: is a folder")
    if _is_special(path):
        if not os.access(path, os.W_OK):
            raise UsageError(f"{flag} {path}: not writable")
        return None
    # Missing folders are created when writing (a CI job's first run has no reports/ yet), so
    # what must be writable is the nearest folder that exists.
    folder = Path(os.path.realpath(path)).parent
    missing = None
    while not folder.exists():
        missing = folder
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: folder {folder} is not writable")
    return missing


def _is_special(path: str | os.PathLike[str]) -> bool:
    """A FIFO, a device or a /dev/fd pipe: written in place, never replaced by a regular file."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # missing (or a dangling link): a new regular file will be made
        return False


def write_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` atomically. Raises WriteFailedError naming the file when it cannot be written.

    A symlink is followed (its target is replaced, the link stays); a FIFO, a device or a process
    substitution (`--output >(gzip > out.gz)`) is written in place, as atomicity means nothing there.
    """
    if _is_special(path):
        try:
            with open(path, "w", encoding=encoding, newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise WriteFailedError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    target = Path(os.path.realpath(path))  # through a symlink: replace its target, keep the link
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailedError(f"cannot write {path}: cannot create folder {folder}: {exc.strerror or exc}") from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteFailedError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode(target, tmp_name)
        os.replace(tmp_name, target)
    except BaseException as exc:
        # Whatever went wrong (disk full, Ctrl-C), the old file is untouched; drop the temporary one.
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise WriteFailedError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    _sync_folder(folder)


def _keep_mode(target: Path, tmp_name: str) -> None:
    """mkstemp creates 0600 files; keep an existing file's mode, else use the umask's default."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp_name, mode)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
