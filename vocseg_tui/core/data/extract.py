"""Safe, idempotent extraction of a tar archive (plain or gzip) into the data root.

Members are unpacked into a private staging folder and moved into place only when the whole
archive has been read and its md5 matches, so an interrupted or corrupt extraction never leaves
a half tree where the status would take it for a complete one. Every member is checked before
anything is written: absolute paths, `..`, links or hard links pointing outside the target, and
device files are refused with the member's name; tarfile's `data` filter then guards again.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol, cast

from vocseg_tui.core.data.errors import UnsafeArchiveError
from vocseg_tui.core.data.progress import CancelToken

STAGING = ".vocseg-staging"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _inside(path: str) -> bool:
    normal = posixpath.normpath(path)
    return not (normal.startswith("/") or normal == ".." or normal.startswith("../"))


def check_member(member: tarfile.TarInfo) -> None:
    """Raise UnsafeArchiveError when `member` could write outside the extraction folder."""
    name = member.name
    why = ""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        why = "has an absolute path"
    elif ".." in name.replace("\\", "/").split("/"):
        why = "contains '..'"
    elif member.issym() and not _inside(posixpath.join(posixpath.dirname(name), member.linkname)):
        why = f"is a symlink to {member.linkname!r}, outside the folder"
    elif member.islnk() and not _inside(member.linkname):
        why = f"is a hard link to {member.linkname!r}, outside the folder"
    elif member.isdev():
        why = "is a device file"
    if why:
        raise UnsafeArchiveError(
            f"refused archive member {name!r}: it {why}",
            "the archive is damaged or crafted; nothing was written outside the data root; "
            "delete it and download it again from a trusted mirror",
        )


def staging_dir(data_root: Path, key: str) -> Path:
    return data_root / STAGING / key


def extract_stream(fileobj: Readable, target: Path, cancel: CancelToken,
                   on_member: Callable[[int], None]) -> int:
    """Unpack a tar stream (any compression) into `target`, member by member; returns the count."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    count = 0
    # 64 KiB reads, not 10 KiB: fewer wake-ups; larger ones cost more in tarfile's buffer copies.
    with tarfile.open(fileobj=cast(IO[bytes], fileobj), mode="r|*", bufsize=1 << 16) as archive:
        for member in archive:
            cancel.check()
            check_member(member)
            try:
                archive.extract(member, target, filter="data")
            except tarfile.FilterError as exc:
                raise UnsafeArchiveError(
                    f"refused archive member {member.name!r}: {exc}",
                    "the archive is damaged or crafted; delete it and download it again",
                ) from exc
            count += 1
            on_member(count)
    return count


def promote(staged: Path, data_root: Path) -> None:
    """Move the staged tree into the data root: a rename where the target is new, else a merge.

    A merge happens when conversion already created `VOCdevkit/VOC2012/SegmentationClassAug`
    before VOC finished downloading; existing files are replaced by the archive's.
    """
    for entry in staged.iterdir():
        target = data_root / entry.name
        if entry.is_dir() and not entry.is_symlink() and target.is_dir():
            promote(entry, target)
            entry.rmdir()
        else:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)

