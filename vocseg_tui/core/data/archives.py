"""The two archives: where to get them, how big they are, their md5, and what they unpack to.

Mirrors are tried in order. Private mirrors replace them through flags or the environment
(`VOCSEG_VOC_URL`, `VOCSEG_VOC_MD5`, `VOCSEG_SBD_URL`, `VOCSEG_SBD_MD5`; a URL variable may hold
several URLs separated by spaces). An md5 of `none` turns the check off for home-made archives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class ArchiveSpec:
    """One archive: its key (`voc`/`sbd`), file name, size, md5 and the top folder inside it."""

    key: str
    filename: str
    size: int | None
    md5: str | None
    mirrors: tuple[str, ...]
    top: str
    """The folder the archive unpacks to, relative to the data root."""

    @property
    def official(self) -> bool:
        return self.md5 == OFFICIAL[self.key].md5

    def path(self, data_root: Path) -> Path:
        return data_root / self.filename

    def part_path(self, data_root: Path) -> Path:
        return data_root / f"{self.filename}.part"


VOC = ArchiveSpec(
    key="voc",
    filename="VOCtrainval_11-May-2012.tar",
    size=1_999_639_040,
    md5="6cd6e144f989b92b3379bac3b3de84fd",
    mirrors=(
        "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
        "https://pjreddie.com/media/files/VOCtrainval_11-May-2012.tar",
    ),
    top="VOCdevkit",
)
SBD = ArchiveSpec(
    key="sbd",
    filename="benchmark.tgz",
    size=1_419_539_633,
    md5="82b4d87ceb2ed10f6038a1cba92111cb",
    mirrors=(
        "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/semantic_contours/"
        "benchmark.tgz",
    ),
    top="benchmark_RELEASE",
)
OFFICIAL = {"voc": VOC, "sbd": SBD}


def resolve(key: str, url: str | None = None, md5: str | None = None) -> ArchiveSpec:
    """The spec for `key` after flags (first) and environment overrides.

    A custom URL drops the official size (a private mirror may serve a different build); a
    custom md5 is checked instead of the official one, and `none` disables the check.
    """
    spec = OFFICIAL[key]
    env = key.upper()
    url = url or os.environ.get(f"VOCSEG_{env}_URL") or None
    md5 = md5 if md5 is not None else os.environ.get(f"VOCSEG_{env}_MD5")
    if url:
        spec = replace(spec, mirrors=tuple(url.split()), size=None)
    if md5 is not None and md5 != "":
        value = md5.strip().lower()
        spec = replace(spec, md5=None if value == "none" else value)
        if spec.md5 != OFFICIAL[key].md5:
            spec = replace(spec, size=None)
    return spec
