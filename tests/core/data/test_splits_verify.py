"""Split lists (aug, trainaug), the official-count check, and verification of the result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vocseg_tui.core.data.convert import convert_all
from vocseg_tui.core.data.errors import DataError
from vocseg_tui.core.data.splits import Splits, check_official, compute, write
from vocseg_tui.core.data.verify import verify
from vocseg_tui.core.project import Project


def _lists(root: Path, **lists: list[str]) -> tuple[Path, Path]:
    voc, sbd = root / "VOC2012", root / "dataset"
    (voc / "ImageSets/Segmentation").mkdir(parents=True)
    sbd.mkdir(parents=True)
    for name, names in lists.items():
        voc_list = name in ("train", "val")
        path = voc / f"ImageSets/Segmentation/{name}.txt" if voc_list else sbd / f"{name[4:]}.txt"
        path.write_text("".join(f"{n}\n" for n in names))
    return voc, sbd


def test_aug_and_trainaug_follow_the_set_arithmetic(tmp_path: Path) -> None:
    voc, sbd = _lists(tmp_path, train=["c", "a"], val=["v", "w"],
                      sbd_train=["a", "b", "v", "d"], sbd_val=["e", "w", "b"])
    splits = compute(voc, sbd)
    assert splits.aug == ["b", "d", "e"]
    assert splits.trainaug == ["a", "b", "c", "d", "e"]
    write(voc, splits)
    assert (voc / "ImageSets/Segmentation/aug.txt").read_text() == "b\nd\ne\n"
    assert (voc / "ImageSets/Segmentation/trainaug.txt").read_text() == "a\nb\nc\nd\ne\n"
    check_official(splits)  # not the official data: counts are reported as they are


def test_official_data_with_a_short_sbd_list_says_which_side_is_short() -> None:
    train = [f"t{i}" for i in range(1464)]
    val = [f"v{i}" for i in range(1449)]
    sbd_train = [f"s{i}" for i in range(8000)]
    splits = Splits(train, val, sbd_train, [], sbd_train, train + sbd_train)
    with pytest.raises(DataError) as caught:
        check_official(splits)
    assert "sbd_train has 8,000 (expected 8,498)" in caught.value.message
    assert "aug has 8,000 (expected 9,118)" in caught.value.message
    assert "SBD" in caught.value.hint and "VOC" not in caught.value.hint


def test_verify_finds_missing_and_bad_labels(sample_project: Project) -> None:
    voc, sbd = sample_project.voc_root, sample_project.sbd_root
    convert_all(sbd / "cls", voc / "SegmentationClassAug", jobs=1)
    splits = compute(voc, sbd)
    assert verify(voc, splits, deep=True).ok

    aug = voc / "SegmentationClassAug"
    Image.fromarray(np.full((96, 128), 42, np.uint8)).save(aug / f"{splits.aug[0]}.png")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(aug / f"{splits.aug[1]}.png")
    Image.new("RGB", (128, 96)).save(aug / f"{splits.aug[2]}.png")
    (aug / f"{splits.aug[3]}.png").unlink()
    (voc / "JPEGImages" / f"{splits.val[0]}.jpg").unlink()
    result = verify(voc, splits, deep=True)
    problems = {p["file"]: p["error"] for p in result.problems}
    assert "values [42] outside 0..20 and 255" in problems[f"SegmentationClassAug/{splits.aug[0]}.png"]
    assert "differs from its image" in problems[f"SegmentationClassAug/{splits.aug[1]}.png"]
    assert "mode RGB" in problems[f"SegmentationClassAug/{splits.aug[2]}.png"]
    assert problems[f"SegmentationClassAug/{splits.aug[3]}.png"] == "listed but missing"
    assert problems[f"JPEGImages/{splits.val[0]}.jpg"] == "listed but missing"
    assert not result.ok
