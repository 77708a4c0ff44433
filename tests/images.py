"""Real image files of any size, written fast: uniform PNGs streamed through zlib.

A uniform 14000 x 14000 picture is tens of kB on disk (bilevel: written in about 0.1 s), yet
its header says 196 megapixels, which is all a pixel limit may look at. Pillow itself would
need the whole picture in memory to save it, so these are written chunk by chunk instead.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def uniform_png(path: Path, width: int, height: int, *, rgb: tuple[int, int, int] | None = None) -> Path:
    """A PNG of one colour: RGB 8-bit when `rgb` is given, else bilevel (1 bit a pixel, black)."""
    if rgb is None:
        row, header = b"\x00" * ((width + 7) // 8), (1, 0)
    else:
        row, header = bytes(rgb) * width, (8, 2)
    packer = zlib.compressobj(6)
    line = b"\x00" + row  # filter type 0 per row
    data = b"".join(packer.compress(line) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, *header, 0, 0, 0)
    chunks = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)
    return path
