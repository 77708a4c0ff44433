"""The split lists mmseg trains on: `aug.txt` and `trainaug.txt` in VOC's ImageSets/Segmentation.

aug      = (SBD train ∪ SBD val) − VOC train − VOC val
trainaug = (VOC train ∪ SBD train ∪ SBD val) − VOC val

Sorted, so two runs write identical files. On the official data the sizes are known; a mismatch
says which side is short instead of voc_aug.py's bare assert. Other data (the sample project, a
custom subset) is reported as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.data.errors import DataError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.voc import SPLIT_SIZES


@dataclass(frozen=True)
class Splits:
    train: list[str]
    val: list[str]
    sbd_train: list[str]
    sbd_val: list[str]
    aug: list[str]
    trainaug: list[str]

    @property
    def official(self) -> bool:
        """Decided by VOC's own train list: 1,464 names is the official release."""
        return len(self.train) == SPLIT_SIZES["train"]

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in SPLIT_SIZES}


def read_list(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"split list {path} is missing", "extract the archive again (prepare does it)")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def lists_dir(voc_root: Path) -> Path:
    return voc_root / "ImageSets" / "Segmentation"


def compute(voc_root: Path, sbd_root: Path) -> Splits:
    lists = lists_dir(voc_root)
    train, val = read_list(lists / "train.txt"), read_list(lists / "val.txt")
    sbd_train, sbd_val = read_list(sbd_root / "train.txt"), read_list(sbd_root / "val.txt")
    sbd = set(sbd_train) | set(sbd_val)
    aug = sorted(sbd - set(train) - set(val))
    trainaug = sorted((set(train) | sbd) - set(val))
    return Splits(train, val, sbd_train, sbd_val, aug, trainaug)


def check_official(splits: Splits) -> None:
    """On the official release every count is known: say which one is off, and by how much."""
    if not splits.official:
        return
    counts = splits.counts()
    short = [f"{name} has {counts[name]:,} (expected {want:,})"
             for name, want in SPLIT_SIZES.items() if counts[name] != want]
    if short:
        sides = {"val": "VOC", "sbd_train": "SBD", "sbd_val": "SBD"}
        culprits = sorted({sides.get(s.split()[0], "SBD") for s in short})
        raise DataError(
            "the split lists do not match the official VOC 2012 + SBD release: " + "; ".join(short),
            f"the {' and '.join(culprits)} lists look incomplete; extract the archive again "
            "(delete its folder and run prepare) or download it again with --download",
        )


def write(voc_root: Path, splits: Splits) -> None:
    lists = lists_dir(voc_root)
    write_text_atomic(lists / "aug.txt", "".join(f"{n}\n" for n in splits.aug))
    write_text_atomic(lists / "trainaug.txt", "".join(f"{n}\n" for n in splits.trainaug))
