"""Incremental reading of a growing text file by byte offset.

A training log only ever grows, so each poll reads the bytes added since the last one, which
keeps following a multi-GB log as cheap as following a small one. The reader also survives what
happens to real logs: the file truncated or replaced (log rotation, a rerun into the same
path), invalid UTF-8 (binary junk from a crashed process), lines megabytes long (a tensor
printed by mistake), CRLF, and `\\r` progress bars (collapsed to their last state).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_LINE = 16 * 1024
"""Longer lines are cut to this many characters plus a marker: nobody reads more of one line,
and one huge line must not cost memory in every view that holds it."""

CHUNK = 4 * 1024 * 1024
"""The most bytes read per call, so one poll of a fast log stays short and the UI responsive."""


GLANCE_BYTES = 64 * 1024
"""What `read_tail` reads by default: mmengine logs a line every few iterations, so a job's
latest training, validation and checkpoint lines (and a crash's traceback) are always in it."""

_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def read_tail(path: Path, size: int = GLANCE_BYTES) -> str:
    """The last `size` bytes of a file as text ("" when it cannot be read): a cheap look at
    where a job stands or why it ended, without reading a multi-GB log."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def clean_line(raw: bytes) -> str:
    """One line's bytes as text: colour codes dropped (a tty-attached run prints them), CR
    collapsed to the last progress state, invalid UTF-8 replaced, cut at MAX_LINE characters."""
    if b"\x1b" in raw:
        raw = _ANSI.sub(b"", raw)
    if raw.endswith(b"\r"):
        raw = raw[:-1]  # CRLF
    if b"\r" in raw:
        parts = [p for p in raw.split(b"\r") if p.strip()]
        raw = parts[-1] if parts else b""
    text = raw[: MAX_LINE * 4].decode("utf-8", errors="replace")
    if len(raw) > MAX_LINE * 4 or len(text) > MAX_LINE:
        return f"{text[:MAX_LINE]} … [line cut: {len(raw):,} bytes]"
    return text


@dataclass
class ReadResult:
    """What one poll found: complete new lines, and whether the file started over."""

    lines: list[str] = field(default_factory=list)
    reset: bool = False
    """The file was truncated or replaced: earlier lines no longer belong to it."""
    more: bool = False
    """More bytes are waiting than one call reads (call again)."""


@dataclass
class TailReader:
    """Reads the complete lines appended to `path` since the previous call.

    A partial last line stays pending until its newline arrives (a half-written line is never
    shown twice). `start_tail` > 0 starts that many bytes before the end of an existing file,
    at the next line start, so opening a huge log shows its end at once.
    """

    path: Path
    start_tail: int = 0
    offset: int = 0
    inode: int | None = None
    _pending: bytearray = field(default_factory=bytearray)
    _pending_dropped: int = 0
    _started: bool = False
    skipped: int = 0
    """Bytes before the first line read (when started from the tail)."""

    def _restart(self, inode: int | None) -> None:
        self.offset = 0
        self.inode = inode
        self._pending.clear()
        self._pending_dropped = 0
        self.skipped = 0

    def read(self, limit: int = CHUNK) -> ReadResult:
        result = ReadResult()
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - closed below, fstat needs the fd
        except OSError:
            return result
        with handle:
            info = os.fstat(handle.fileno())
            if self.inode is not None and (info.st_ino != self.inode or info.st_size < self.offset):
                self._restart(info.st_ino)
                result.reset = True
            self.inode = info.st_ino
            if not self._started:
                self._started = True
                if self.start_tail and info.st_size > self.start_tail:
                    self.offset = self._line_start_after(handle, info.st_size - self.start_tail)
                    self.skipped = self.offset
            if info.st_size <= self.offset:
                return result
            handle.seek(self.offset)
            data = handle.read(limit)
        self.offset += len(data)
        result.more = self.offset < info.st_size
        self._split(data, result.lines)
        return result

    @staticmethod
    def _line_start_after(handle: BinaryIO, position: int) -> int:
        handle.seek(position)
        block = handle.read(1024 * 1024)
        newline = block.find(b"\n")
        return position + newline + 1 if newline >= 0 else position

    def _split(self, data: bytes, out: list[str]) -> None:
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            piece = data[start:end]
            if self._pending or self._pending_dropped:
                self._pending += piece
                out.append(self._take_pending())
            else:
                out.append(clean_line(piece))
            start = end + 1
        rest = data[start:]
        room = MAX_LINE * 4 + 1 - len(self._pending)
        if room > 0:
            self._pending += rest[:room]
        self._pending_dropped += max(0, len(rest) - max(room, 0))

    def _take_pending(self) -> str:
        raw = bytes(self._pending)
        dropped = self._pending_dropped
        self._pending.clear()
        self._pending_dropped = 0
        line = clean_line(raw[: MAX_LINE * 4])
        if dropped or len(raw) > MAX_LINE * 4:
            total = len(raw) + dropped
            line = f"{line.split(' … [line cut')[0][:MAX_LINE]} … [line cut: {total:,} bytes]"
        return line

    def pending_text(self) -> str:
        """The partial last line, for a final read of a file that ended without a newline."""
        return clean_line(bytes(self._pending)) if self._pending else ""
