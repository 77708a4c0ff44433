"""Values that follow from a recipe: the scaled LR, the schedule in iterations and samples.

The official UPerNet VOC-aug schedules count iterations at a total batch of 16; what carries
over to another batch size is the number of samples seen, so "the 40k schedule" at batch 8
is 40,000 x 16 / 10,582 = 60.5 epochs, not 40,000 x 8 / 10,582 = 30.2 (the tutorial's slip).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.voc import TRAINAUG_SIZE

OFFICIAL_BATCH = 16
OFFICIAL_SCHEDULES = (20_000, 40_000)


@dataclass(frozen=True)
class Derived:
    """Everything the derived panel, the CLI and the config comments show."""

    processes: int
    total_batch: int
    lr: float
    iters_per_epoch: int
    total_iters: int
    samples_seen: int
    epochs_equiv_20k: float
    epochs_equiv_40k: float
    iters_equiv_40k: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def epochs_equivalent(official_iters: int, dataset_size: int) -> float:
    """Epochs that see as many samples as `official_iters` iterations at batch 16."""
    return official_iters * OFFICIAL_BATCH / dataset_size


def derive(recipe: Recipe) -> Derived:
    total = recipe.processes * recipe.batch_per_gpu
    per_epoch = math.ceil(recipe.dataset_size / total)
    iters = per_epoch * recipe.max_epochs
    return Derived(
        processes=recipe.processes,
        total_batch=total,
        lr=recipe.base_lr * total / recipe.base_batch,
        iters_per_epoch=per_epoch,
        total_iters=iters,
        samples_seen=iters * total,
        epochs_equiv_20k=epochs_equivalent(20_000, recipe.dataset_size),
        epochs_equiv_40k=epochs_equivalent(40_000, recipe.dataset_size),
        iters_equiv_40k=math.ceil(40_000 * OFFICIAL_BATCH / total),
    )


def _count_lines(path: Path) -> int | None:
    try:
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except (OSError, UnicodeDecodeError):
        return None


def dataset_size_from_lists(voc_root: Path) -> int:
    """Training images per epoch as mmseg's VOC-aug base counts them: train.txt + aug.txt.

    Before the data is prepared (no aug.txt yet), the full VOC-aug size 10,582 is assumed.
    """
    lists = voc_root / "ImageSets" / "Segmentation"
    train, aug = _count_lines(lists / "train.txt"), _count_lines(lists / "aug.txt")
    if train is None or aug is None or train + aug == 0:
        return TRAINAUG_SIZE
    return train + aug
