"""Is a checkpoint file whole? Answered from the zip container, without loading any tensor.

torch.save (since 1.6) writes a zip archive: the pickled object tree in `<prefix>/data.pkl`,
one stored (uncompressed) record per tensor storage, and the central directory at the very
end. A file cut short by a crash, a full disk or an interrupted copy loses the central
directory first; a file damaged in the middle has records whose local headers no longer agree
with the directory. So the quick check reads the directory, checks every record's local header
(signature, name, sizes, and that its data lies before the directory), and the CRC of the
small `data.pkl`. `deep=True` also checks the CRC of every tensor record (reads the whole file).

Results are cached by (path, size, mtime), so a screen refreshing its list costs a stat.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ZIP64_MARK = 0xFFFFFFFF
_MAX_PKL_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Integrity:
    """The verdict on one file: `ok`, or the reason it must not be used."""

    ok: bool
    reason: str = ""
    records: int = 0


_cache: dict[tuple[str, int, int, bool], Integrity] = {}


def check_integrity(path: Path, *, deep: bool = False) -> Integrity:
    """Check `path` as a torch zip checkpoint (cached while the file is unchanged)."""
    try:
        stat = path.stat()
    except OSError as error:
        return Integrity(False, f"cannot read: {error.strerror or error}")
    key = (str(path), stat.st_size, stat.st_mtime_ns, deep)
    if key not in _cache:
        _cache[key] = _check(path, stat.st_size, deep)
    return _cache[key]


def _check(path: Path, size: int, deep: bool) -> Integrity:
    if size == 0:
        return Integrity(False, "empty file")
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
            infos = archive.infolist()
            directory_start = int(getattr(archive, "start_dir", size))
            pkl = [info for info in infos if info.filename.endswith("/data.pkl")
                   or info.filename == "data.pkl"]
            if not pkl:
                return Integrity(False, "not a torch checkpoint (no data.pkl in the archive)")
            for info in infos:
                problem = _check_record(raw, info, directory_start)
                if problem:
                    return Integrity(False, problem, len(infos))
            if pkl[0].file_size > _MAX_PKL_BYTES:
                return Integrity(False, "data.pkl is implausibly large", len(infos))
            if zlib.crc32(archive.read(pkl[0])) & 0xFFFFFFFF != pkl[0].CRC:
                return Integrity(False, "data.pkl is damaged (CRC mismatch)", len(infos))
            if deep:
                bad = archive.testzip()
                if bad is not None:
                    return Integrity(False, f"record {bad} is damaged (CRC mismatch)", len(infos))
    except zipfile.BadZipFile:
        return Integrity(False, "truncated or not a checkpoint (no zip central directory)")
    except (OSError, EOFError, zlib.error, ValueError, struct.error) as error:
        return Integrity(False, f"damaged archive: {error}")
    return Integrity(True, "", len(infos))


def _check_record(handle: BinaryIO, info: zipfile.ZipInfo, directory_start: int) -> str:
    """'' when the record's local header agrees with the central directory, else why not."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        return f"record {info.filename} lies past the end of the file"
    (signature, _version, flags, _method, _time, _date, _crc, csize, usize,
     name_len, extra_len) = _LOCAL_HEADER.unpack(header)
    if signature != _LOCAL_SIGNATURE:
        return f"record {info.filename} has no valid local header"
    name = handle.read(name_len)
    if name.decode("utf-8", "replace") != info.filename:
        return f"record {info.filename} disagrees with its local header"
    data_end = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len + info.compress_size
    if data_end > directory_start:
        return f"record {info.filename} overruns the archive ({info.compress_size} bytes expected)"
    sizes_in_header = not (flags & 0x08) and _ZIP64_MARK not in (csize, usize)
    if sizes_in_header and (csize != info.compress_size or usize != info.file_size):
        return f"record {info.filename} has size {usize}, the directory says {info.file_size}"
    return ""
