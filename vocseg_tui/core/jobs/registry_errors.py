"""What went wrong with the registry file, in words a user can act on.

SQLite reports a damaged, read-only, full or locked file as a bare `sqlite3.Error` ("file is
not a database", "attempt to write a readonly database"); a traceback of it tells nobody which
file or what to do. Every such error becomes a `RegistryError` naming the file, with the fix.
The file itself is never moved or deleted here: it holds the only record of the jobs, so the
fix (move it aside, make it writable) is the user's to run.
"""

from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path

from vocseg_tui.core.jobs.errors import JobError

# SQLite's primary result codes (sqlite3 exports them only from Python 3.11 on).
PERM, BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26


class RegistryError(JobError):
    """The job registry file cannot be opened, read or written."""


def _code(error: sqlite3.Error) -> int | None:
    """The primary SQLite result code (extended codes carry it in their low byte); None before
    Python 3.11, where the message text decides."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def registry_error(path: Path, error: sqlite3.Error | OSError) -> RegistryError:
    """The `RegistryError` for `error` raised while using the registry at `path`."""
    quoted = shlex.quote(str(path))
    text = str(error)
    keep = ("the jobs' work dirs, logs and checkpoints are not in it and stay where they are")
    if isinstance(error, OSError):
        return RegistryError(f"cannot use the job registry's folder {path.parent}: "
                             f"{error.strerror or error}",
                             "check that folder's permissions, or set VOCSEG_STATE_DIR to a "
                             "writable folder")
    code = _code(error)
    if code in (NOTADB, CORRUPT) or "not a database" in text \
            or "malformed" in text:
        return RegistryError(
            f"the job registry {path} is damaged ({text}); it was left as it is",
            f"move it aside and vocseg-tui starts a new, empty one: mv {quoted} {quoted}.corrupt "
            f"({keep}; relaunch or resume from them)")
    if code == READONLY or "readonly" in text:
        return RegistryError(
            f"the job registry {path} is read-only ({text})",
            f"make it writable: chmod u+w {quoted} {shlex.quote(str(path.parent))} (as root, "
            f"also check `lsattr {quoted}` for the immutable flag), or set VOCSEG_STATE_DIR to a "
            "writable folder")
    if code == FULL or "disk is full" in text:
        return RegistryError(f"no space left to write the job registry {path} ({text})",
                             f"free disk space on the file system of {path.parent}")
    if code in (BUSY, LOCKED) or "locked" in text:
        return RegistryError(f"the job registry {path} stayed locked by another process ({text})",
                             "try again; if it persists, a hung vocseg-tui process holds it "
                             "(see `fuser` or `lsof` on the file)")
    if code in (CANTOPEN, PERM, IOERR) \
            or "unable to open" in text:
        return RegistryError(f"cannot open the job registry {path}: {text}",
                             "check the state dir's permissions and free space, or set "
                             "VOCSEG_STATE_DIR")
    return RegistryError(f"the job registry {path} failed: {text}",
                         f"if it keeps failing, move it aside: mv {quoted} {quoted}.corrupt ({keep})")
