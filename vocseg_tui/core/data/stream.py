"""A file being downloaded that another thread reads (and hashes) while the bytes arrive.

This is how verification and extraction overlap the download: the downloader appends to
`<archive>.part` and announces each chunk; the extractor reads the same file from its start,
waiting for bytes that have not arrived yet. The md5 is computed by the writer as it appends
(hashlib releases the interpreter lock, so it runs beside the extraction on another core) and is
known the moment the last byte lands; a local archive is hashed by its reader instead. A resumed
download simply starts with bytes already on disk.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, BinaryIO

from vocseg_tui.core.data.progress import CancelToken


class GrowingFile:
    """The shared state of one `.part` file: its size so far, and whether writing has ended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch(exist_ok=True)
        self.size = path.stat().st_size
        self.md5: Any = None
        """The writer's running md5 of the whole file (`start_hash` covers bytes already there)."""
        self.finished = False
        self.error: BaseException | None = None
        self._cond = threading.Condition()

    def start_hash(self) -> None:
        """Hash the bytes a previous run left, once, before appending to them."""
        if self.md5 is None:
            self.md5 = hashlib.md5(usedforsecurity=False)
            with open(self.path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    self.md5.update(chunk)

    def grew(self, size: int) -> None:
        with self._cond:
            self.size = size
            self._cond.notify_all()

    def finish(self, error: BaseException | None = None) -> None:
        with self._cond:
            self.finished, self.error = True, error
            self._cond.notify_all()

    def wait_beyond(self, offset: int, cancel: CancelToken) -> int:
        """Block until the file is longer than `offset` or writing ended; the size then."""
        with self._cond:
            while self.size <= offset and not self.finished:
                cancel.check()
                self._cond.wait(0.2)
            if self.size <= offset and self.error is not None:
                raise self.error
            return self.size


class HashingReader:
    """A read-only file object over a `GrowingFile`; with `hashing`, it md5-hashes what it reads."""

    def __init__(self, growing: GrowingFile, cancel: CancelToken, hashing: bool = True) -> None:
        self._growing = growing
        self._cancel = cancel
        self._file: BinaryIO = open(growing.path, "rb")  # noqa: SIM115 - closed in close()
        self.offset = 0
        self.md5 = hashlib.md5(usedforsecurity=False) if hashing else None

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 30
        available = self._growing.wait_beyond(self.offset, self._cancel)
        data = self._file.read(min(want, max(0, available - self.offset)))
        self.offset += len(data)
        if self.md5 is not None:
            self.md5.update(data)
        return data

    def drain(self) -> None:
        """Read to the end, so the md5 covers the whole file (tar stops at its end marker)."""
        while self.md5 is not None and self.read(1 << 20):
            pass

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> HashingReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
