"""One SBD label: `cls/NAME.mat` (the GTcls struct) to an 8-bit single-channel PNG.

The pixels are exactly those of mmseg's `voc_aug.py` (`GTcls.Segmentation` cast to uint8), read
by a direct MAT v5 reader that skips the Boundaries field scipy would build (`matv5.py`). The
PNG is written by hand with filter 0 and zlib level 1: decoders read it exactly like PIL's own
output, and encoding takes a fifth of the time PIL's default does, which is most of the speed-up
of a full conversion. Each file is written to a temporary name and renamed over the target, so an
interrupted run never leaves a half-written label.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import scipy.io

from vocseg_tui.core.data.matv5 import read_struct_field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_segmentation(mat: Path) -> np.ndarray:
    """The `GTcls.Segmentation` array of an SBD .mat file, as voc_aug.py reads it.

    The direct MAT v5 reader (`matv5.py`) handles SBD's files; scipy reads anything else and
    gives the error message for a corrupt one.
    """
    try:
        fast = read_struct_field(mat.read_bytes(), "GTcls", "Segmentation")
    except (struct.error, zlib.error, ValueError, UnicodeDecodeError, IndexError):
        fast = None
    if fast is not None and fast.ndim == 2 and fast.size:
        return fast.astype(np.uint8)
    data = scipy.io.loadmat(mat, variable_names=["GTcls"])
    if "GTcls" not in data:
        raise ValueError("no GTcls struct in the file")
    seg = data["GTcls"][0]["Segmentation"][0]
    array = np.asarray(seg)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"Segmentation has shape {array.shape}, expected a 2-D label map")
    return array.astype(np.uint8)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(label: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of a 2-D uint8 array (filter type 0 on every row)."""
    height, width = label.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)
    rows[:, 1:] = label
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _chunk(b"IEND", b""))


def write_atomic_fast(path: Path, data: bytes) -> None:
    """Temp file then rename, without fsync: 11k fsyncs would cost more than the conversion.

    A crash can lose the last labels written but never leaves a half-written one under its real
    name; the next run sees them missing (or older than their .mat) and converts them again.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def convert_one(mat: Path, png: Path) -> None:
    write_atomic_fast(png, encode_png(read_segmentation(mat)))


def convert_batch(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Convert (mat, png) path pairs; return (mat name, reason) for each that failed.

    Runs in pool workers: one corrupt file must not stop the others.
    """
    failed = []
    for mat, png in pairs:
        try:
            convert_one(Path(mat), Path(png))
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            failed.append((Path(mat).name, reason[:300]))
    return failed
