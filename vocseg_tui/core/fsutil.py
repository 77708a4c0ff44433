"""Small file-system helpers shared by the core: atomic writes and private folders.

Nothing on disk may be left half-written: every file the tool writes goes to a temporary
file in the same folder first and is renamed over the target, which is atomic on POSIX.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[str] | IO[bytes]]:
    """Yield a file object whose content replaces `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (temp file, fsync, rename)."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data)  # type: ignore[arg-type]


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically (temp file, fsync, rename)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` if needed and make it readable by its owner only (0700).

    The state dir holds the job registry, which records commands and environments: other
    users of a shared server have no business reading it.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (path.stat().st_mode & 0o777) != 0o700:
        path.chmod(0o700)
    return path


def mtime_or_zero(path: Path) -> float:
    """When `path` last changed; 0.0 (older than anything) when it is missing or unreadable."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
