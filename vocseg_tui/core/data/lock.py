"""One preparation per data root at a time (a CLI run in tmux and the app must not both write)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from vocseg_tui.core.data.errors import DataError

LOCK_NAME = ".vocseg/prepare.lock"


@contextlib.contextmanager
def exclusive(data_root: Path) -> Iterator[None]:
    """Hold an advisory lock on the data root; the kernel drops it if the process dies."""
    path = data_root / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(
                f"another preparation is running on {data_root}",
                "wait for it to finish (or stop it), then run again; it resumes where it stopped",
            ) from None
        yield
    finally:
        os.close(fd)
