"""The sample project is in the real formats, with the real set overlaps."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from vocseg_tui.core.errors import SampleError
from vocseg_tui.core.project import Project
from vocseg_tui.core.sample import create_sample
from vocseg_tui.core.voc import PALETTE


def _read(path: Path) -> list[str]:
    return path.read_text().split()


def test_layout_is_a_fresh_download_after_extraction(sample_project: Project) -> None:
    voc, sbd = sample_project.voc_root, sample_project.sbd_root
    for folder in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        assert (voc / folder).is_dir()
    assert not (voc / "SegmentationClassAug").exists(), "SBD labels must still need converting"
    assert (sbd / "cls").is_dir() and (sbd / "train.txt").is_file() and (sbd / "val.txt").is_file()
    assert (sample_project.configs_dir / "sample_tiny.py").is_file()
    for name in _read(voc / "ImageSets/Segmentation/train.txt"):
        assert (voc / "JPEGImages" / f"{name}.jpg").is_file()
        assert (voc / "SegmentationClass" / f"{name}.png").is_file()


def test_voc_labels_are_palette_pngs_with_void_borders(sample_project: Project) -> None:
    pngs = sorted((sample_project.voc_root / "SegmentationClass").glob("*.png"))
    assert pngs
    for png in pngs:
        image = Image.open(png)
        assert image.mode == "P"
        palette = image.getpalette()
        assert palette is not None
        assert tuple(palette[15 * 3 : 15 * 3 + 3]) == PALETTE[15]  # person
        values = set(np.unique(np.asarray(image)).tolist())
        assert values <= {*range(21), 255}
        assert 255 in values, "VOC outlines objects with void (255)"
        jpg = sample_project.voc_root / "JPEGImages" / f"{png.stem}.jpg"
        assert Image.open(jpg).size == image.size


def test_sbd_mat_files_hold_gtcls_as_voc_aug_reads_them(sample_project: Project) -> None:
    mats = sorted((sample_project.sbd_root / "cls").glob("*.mat"))
    assert len(mats) == len(set(_read(sample_project.sbd_root / "train.txt")) |
                            set(_read(sample_project.sbd_root / "val.txt")))
    mat = scipy.io.loadmat(mats[0])
    segmentation = mat["GTcls"][0]["Segmentation"][0]  # exactly voc_aug.py's access path
    assert segmentation.dtype == np.uint8 and segmentation.ndim == 2
    assert set(np.unique(segmentation).tolist()) <= set(range(21))
    assert mat["GTcls"][0]["Boundaries"][0].shape == (20, 1)
    present = mat["GTcls"][0]["CategoriesPresent"][0].ravel().tolist()
    assert present == [c for c in np.unique(segmentation).tolist() if c > 0]


def test_sets_overlap_like_the_real_ones(sample_project: Project) -> None:
    lists = sample_project.voc_root / "ImageSets/Segmentation"
    voc_train, voc_val = set(_read(lists / "train.txt")), set(_read(lists / "val.txt"))
    sbd = set(_read(sample_project.sbd_root / "train.txt")) | set(
        _read(sample_project.sbd_root / "val.txt"))
    assert sbd & voc_val, "SBD holds images of VOC's val set; aug must exclude them"
    assert sbd & voc_train
    assert sbd - voc_train - voc_val


def test_generation_is_deterministic(tmp_path: Path, pristine_sample: Path) -> None:
    again = create_sample(tmp_path / "again")
    left = pristine_sample / "data/VOCdevkit/VOC2012/SegmentationClass"
    right = again.root / "data/VOCdevkit/VOC2012/SegmentationClass"
    names = sorted(p.name for p in left.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    assert not mismatch and not errors and len(match) == len(names)


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(SampleError, match="not empty"):
        create_sample(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
