"""The built-in sample project: a small synthetic VOC 2012 + SBD tree in the real formats.

It looks like a fresh download after extraction: VOC's JPEGImages, palette PNGs and split
lists, SBD's `cls/*.mat` and split lists, with SBD's labels not yet converted, so the Data
screen has real work to do. The sets overlap the way the real ones do (SBD's train set holds
images of VOC's val set), so the aug/trainaug arithmetic is exercised, not assumed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vocseg_tui.core.errors import SampleError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.project import Project
from vocseg_tui.core.sample.formats import write_jpeg, write_sbd_mat, write_voc_label
from vocseg_tui.core.sample.scenes import make_scene
from vocseg_tui.core.sample.tiny_config import SAMPLE_CONFIG_NAME, TINY_CONFIG

POOL_SIZE = 32
# Index ranges into the image pool, chosen to overlap like the real sets.
VOC_TRAIN = range(0, 8)
VOC_VAL = range(8, 14)
SBD_TRAIN = [*range(2, 6), 10, 11, *range(14, 26)]
SBD_VAL = [6, 7, *range(26, 32)]


@dataclass(frozen=True)
class SampleSummary:
    """What `create_sample` wrote, for the CLI and the tests."""

    root: Path
    images: int
    voc_train: int
    voc_val: int
    sbd_train: int
    sbd_val: int
    config: Path


def image_names() -> list[str]:
    """VOC-style ids (`2007_000032`), spread over the years like the real ones."""
    return [f"{2007 + i % 5}_{32 + 37 * i:06d}" for i in range(POOL_SIZE)]


def _write_list(path: Path, names: list[str]) -> None:
    write_text_atomic(path, "".join(f"{n}\n" for n in names))


def create_sample(root: Path | str, *, seed: int = 2012, force: bool = False) -> SampleSummary:
    """Create the sample project at `root` (refusing a non-empty folder unless `force`)."""
    root = Path(root).expanduser()
    if root.exists() and any(root.iterdir()):
        if not force:
            raise SampleError(
                f"{root} already exists and is not empty",
                "choose another folder, or pass --force to replace its sample data",
            )
        shutil.rmtree(root / "data", ignore_errors=True)
    project = Project(root.resolve())
    voc, sbd = project.voc_root, project.sbd_root
    try:
        for folder in (voc / "JPEGImages", voc / "SegmentationClass",
                       voc / "ImageSets" / "Segmentation", sbd / "cls", sbd / "img",
                       project.configs_dir, project.work_dirs):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SampleError(f"cannot create {root}: {exc.strerror}", "pick a writable folder") from exc

    rng = np.random.default_rng(seed)
    names = image_names()
    voc_labelled = {*VOC_TRAIN, *VOC_VAL}
    sbd_labelled = {*SBD_TRAIN, *SBD_VAL}
    for index, name in enumerate(names):
        scene = make_scene(rng)
        write_jpeg(voc / "JPEGImages" / f"{name}.jpg", scene.image)
        if index in voc_labelled:
            write_voc_label(voc / "SegmentationClass" / f"{name}.png", scene.label)
        if index in sbd_labelled:
            write_jpeg(sbd / "img" / f"{name}.jpg", scene.image)
            write_sbd_mat(sbd / "cls" / f"{name}.mat", scene.label)

    lists = voc / "ImageSets" / "Segmentation"
    _write_list(lists / "train.txt", [names[i] for i in VOC_TRAIN])
    _write_list(lists / "val.txt", [names[i] for i in VOC_VAL])
    _write_list(lists / "trainval.txt", [names[i] for i in (*VOC_TRAIN, *VOC_VAL)])
    _write_list(sbd / "train.txt", [names[i] for i in SBD_TRAIN])
    _write_list(sbd / "val.txt", [names[i] for i in SBD_VAL])

    config = project.configs_dir / SAMPLE_CONFIG_NAME
    write_text_atomic(config, TINY_CONFIG)
    return SampleSummary(
        root=project.root, images=len(names), voc_train=len(VOC_TRAIN), voc_val=len(VOC_VAL),
        sbd_train=len(SBD_TRAIN), sbd_val=len(SBD_VAL), config=config,
    )
