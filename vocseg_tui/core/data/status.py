"""What is in a data root right now: trees, archives, converted labels, lists, verification.

Cheap by design (directory scans and stats, no image is opened, no heavy import), because the
Data screen shows it the moment it opens and after every step.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.data.archives import OFFICIAL, ArchiveSpec
from vocseg_tui.core.data.progress import STEPS
from vocseg_tui.core.fsutil import mtime_or_zero

MARKER_DIR = ".vocseg"
VERIFIED = "verified.json"


@dataclass(frozen=True)
class ArchiveState:
    filename: str
    state: str
    """`absent`, `partial` (a `.part` download to resume) or `present`."""
    size: int = 0
    expected: int | None = None


@dataclass(frozen=True)
class DataStatus:
    data_root: Path
    archives: dict[str, ArchiveState]
    voc_tree: bool
    sbd_tree: bool
    counts: dict[str, int | None]
    labels_missing: int
    lists_fresh: bool
    verified: dict[str, Any] | None
    steps: dict[str, tuple[str, str]] = field(default_factory=dict)
    """step -> (state, detail); state is `done`, `partial` or `missing`."""

    @property
    def complete(self) -> bool:
        return all(state == "done" for state, _ in self.steps.values())


def _count(folder: Path, suffix: str) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            return {e.name[: -len(suffix)] for e in entries if e.name.endswith(suffix)}
    except OSError:
        return set()


def _lines(path: Path) -> int | None:
    try:
        return sum(1 for line in path.read_text().splitlines() if line.strip())
    except OSError:
        return None




def archive_state(data_root: Path, spec: ArchiveSpec) -> ArchiveState:
    final, part = spec.path(data_root), spec.part_path(data_root)
    if final.is_file():
        return ArchiveState(spec.filename, "present", final.stat().st_size, spec.size)
    if part.is_file():
        return ArchiveState(spec.filename, "partial", part.stat().st_size, spec.size)
    return ArchiveState(spec.filename, "absent", 0, spec.size)


def read_status(data_root: Path, specs: dict[str, ArchiveSpec] | None = None) -> DataStatus:
    specs = specs or OFFICIAL
    voc, sbd = data_root / "VOCdevkit" / "VOC2012", data_root / "benchmark_RELEASE" / "dataset"
    lists = voc / "ImageSets" / "Segmentation"
    voc_tree = (voc / "JPEGImages").is_dir() and (lists / "train.txt").is_file()
    sbd_tree = (sbd / "cls").is_dir() and (sbd / "train.txt").is_file()
    mats = _count(sbd / "cls", ".mat")
    pngs = _count(voc / "SegmentationClassAug", ".png")
    counts: dict[str, int | None] = {
        "images": len(_count(voc / "JPEGImages", ".jpg")) if voc_tree else None,
        "train": _lines(lists / "train.txt"), "val": _lines(lists / "val.txt"),
        "sbd_train": _lines(sbd / "train.txt"), "sbd_val": _lines(sbd / "val.txt"),
        "mats": len(mats), "converted": len(mats & pngs),
        "aug": _lines(lists / "aug.txt"), "trainaug": _lines(lists / "trainaug.txt"),
    }
    sources = max(mtime_or_zero(p) for p in (lists / "train.txt", lists / "val.txt",
                                      sbd / "train.txt", sbd / "val.txt"))
    made = min(mtime_or_zero(lists / "aug.txt"), mtime_or_zero(lists / "trainaug.txt"))
    lists_fresh = made > 0 and made >= sources
    verified = None
    marker = data_root / MARKER_DIR / VERIFIED
    if marker.is_file() and lists_fresh and mtime_or_zero(marker) >= made:
        try:
            verified = json.loads(marker.read_text())
        except (OSError, ValueError):
            verified = None
    status = DataStatus(data_root, {k: archive_state(data_root, s) for k, s in specs.items()},
                        voc_tree, sbd_tree, counts, len(mats - pngs), lists_fresh, verified)
    status.steps.update(_steps(status))
    return status


def _steps(s: DataStatus) -> dict[str, tuple[str, str]]:
    steps: dict[str, tuple[str, str]] = {}
    for key, tree in (("sbd", s.sbd_tree), ("voc", s.voc_tree)):
        arch = s.archives[key]
        if tree or arch.state == "present":
            steps[f"download-{key}"] = ("done", "extracted" if tree else f"{arch.size:,} bytes")
        elif arch.state == "partial":
            total = f" of {arch.expected:,}" if arch.expected else ""
            steps[f"download-{key}"] = ("partial", f"{arch.size:,}{total} bytes, resumable")
        else:
            steps[f"download-{key}"] = ("missing", "")
        steps[f"extract-{key}"] = ("done", "") if tree else ("missing", "")
    c = s.counts
    if s.voc_tree:
        steps["extract-voc"] = ("done", f"{c['images'] or 0:,} images")
    if s.sbd_tree:
        steps["extract-sbd"] = ("done", f"{c['mats']:,} label files")
    if s.sbd_tree and c["mats"] and not s.labels_missing:
        steps["convert"] = ("done", f"{c['converted']:,} labels")
    elif c["converted"]:
        steps["convert"] = ("partial", f"{c['converted']:,} of {c['mats']:,} labels")
    else:
        steps["convert"] = ("missing", "")
    if s.lists_fresh:
        steps["lists"] = ("done", f"aug {c['aug']:,}, trainaug {c['trainaug']:,}")
    else:
        steps["lists"] = ("missing", "")
    v = s.verified
    if v and v.get("ok"):
        steps["verify"] = ("done", "deep" if v.get("deep") else "sampled")
    elif v:
        steps["verify"] = ("partial", f"{v.get('problem_count', '?')} problems")
    else:
        steps["verify"] = ("missing", "")
    return {key: steps[key] for key, _ in STEPS}
