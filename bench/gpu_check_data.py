"""The device check's data and configs: a synthetic VOC-aug project it writes itself, and the
real UPerNet-R50 recipe rendered by the product's recipe renderer.

Images come from the sample project's scene generator (vocseg_tui.core.sample.scenes), scaled
to VOC's typical 500x375 for the GPU run so that mmseg's real pipeline (RandomResize to
2048x512, 512x512 crops) sees photo-sized inputs. The split is the VOC-aug layout the rendered
config reads: VOC train (SegmentationClass + train.txt) and SBD's extra images
(SegmentationClassAug + aug.txt), concatenated, plus val.txt for validation.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.recipe.render import render_config
from vocseg_tui.core.sample.formats import write_jpeg, write_voc_label
from vocseg_tui.core.sample.scenes import make_scene


@dataclass(frozen=True)
class DataPlan:
    """How big the synthetic set and the model's inputs are."""

    train: int
    val: int
    size: tuple[int, int]
    """Width x height of every image."""
    crop: tuple[int, int]
    batch: int
    num_workers: int
    gpus: int
    """1 for the GPU run, 0 for the CPU smoke (the recipe's own meaning)."""

    @property
    def iters_per_epoch(self) -> int:
        return self.train // self.batch


def shm_free_mib() -> int | None:
    """Free space of /dev/shm, where DataLoader workers hand batches over (None: not there)."""
    try:
        return shutil.disk_usage("/dev/shm").free // 2**20
    except OSError:
        return None


def gpu_plan(cores: int, iterations: int = 60, batch: int = 4, val: int = 24) -> DataPlan:
    """One epoch = `iterations` at `batch` (60 x 4 = 240 train images), at 512x512.

    Data workers: half the cores, at most 8, and fewer where /dev/shm is small (a container's
    default is 64 MiB; each worker keeps about 2 batches of 4 MiB in flight there)."""
    workers = max(2, min(8, cores // 2))
    shm = shm_free_mib()
    if shm is not None:
        workers = max(1, min(workers, shm // 32))
    return DataPlan(train=iterations * batch, val=val, size=(500, 375), crop=(512, 512), batch=batch,
                    num_workers=workers, gpus=1)


def cpu_plan() -> DataPlan:
    """The smoke on a machine without a GPU: the same R50 code path, 2 iterations at 64x64."""
    return DataPlan(train=8, val=2, size=(128, 96), crop=(64, 64), batch=4, num_workers=0, gpus=0)


def _scene(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    scene = make_scene(rng)
    if (scene.image.shape[1], scene.image.shape[0]) == size:
        return scene.image, scene.label
    image = np.asarray(Image.fromarray(scene.image).resize(size, Image.Resampling.BILINEAR))
    label = np.asarray(Image.fromarray(scene.label).resize(size, Image.Resampling.NEAREST))
    return image, label


def write_project(root: Path, plan: DataPlan, *, seed: int = 14) -> Project:
    """A project folder with `plan.train + plan.val` labelled images in VOC-aug layout."""
    project = Project(root.resolve())
    voc = project.voc_root
    lists = voc / "ImageSets" / "Segmentation"
    for folder in (voc / "JPEGImages", voc / "SegmentationClass", voc / "SegmentationClassAug", lists,
                   project.configs_dir, project.work_dirs):
        folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"2012_{i:06d}" for i in range(plan.train + plan.val)]
    voc_train = names[: plan.train // 2]
    sbd_aug = names[plan.train // 2: plan.train]
    val = names[plan.train:]
    for name in names:
        image, label = _scene(rng, plan.size)
        write_jpeg(voc / "JPEGImages" / f"{name}.jpg", image)
        folder = "SegmentationClassAug" if name in sbd_aug else "SegmentationClass"
        write_voc_label(voc / folder / f"{name}.png", label)
    for list_name, members in (("train", voc_train), ("aug", sbd_aug), ("val", val),
                               ("trainaug", voc_train + sbd_aug)):
        write_text_atomic(lists / f"{list_name}.txt", "".join(f"{n}\n" for n in members))
    return project


def r50_recipe(plan: DataPlan, *, max_epochs: int) -> Recipe:
    """mmseg's VOC-aug UPerNet-R50 (ResNetV1c), random init (no download), plain BN (one process)."""
    return Recipe(name="gpu_check_r50", gpus=plan.gpus, batch_per_gpu=plan.batch, crop=plan.crop,
                  arch="r50", backbone="ResNetV1c", pretrained=None, max_epochs=max_epochs,
                  val_interval=1, ckpt_interval=1, max_keep_ckpts=3, num_workers=plan.num_workers,
                  dataset_size=plan.train, log_interval=1)


def write_r50_config(project: Project, plan: DataPlan, *, max_epochs: int = 2) -> Path:
    path = project.configs_dir / "gpu_check_r50.py"
    write_text_atomic(path, render_config(r50_recipe(plan, max_epochs=max_epochs)))
    return path


# Throughput runs: one epoch, every iteration logged unsmoothed, no validation, no checkpoint
# (a 0.5 GB write would be timed as training otherwise).
THROUGHPUT_OPTIONS = (
    "train_cfg.max_epochs=1", "train_cfg.val_begin=1000",
    "default_hooks.checkpoint.interval=1000", "default_hooks.checkpoint.save_last=False",
    "default_hooks.logger.interval=1", "log_processor.window_size=1",
)
