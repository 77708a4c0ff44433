"""Synthetic work dirs written as mmengine writes them (a config dump, a timestamped folder with
the text log and vis_data/scalars.json, epoch checkpoints' names), for tests and bench/runs.py:
many runs at once without training any."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.recipe.render import render_config
from vocseg_tui.core.voc import CLASSES

_HEAD = "{stamp} - mmengine - INFO - "


def _miou(epoch: int, ceiling: float) -> float:
    return round(ceiling * (1 - math.exp(-epoch / 8)), 2)


def class_table(epoch: int, ceiling: float, stamp: str) -> list[str]:
    """mmseg's per-class table, as the log prints it before the validation's result line."""
    lines = [_HEAD.format(stamp=stamp) + "per class results:", _HEAD.format(stamp=stamp),
             "+-------------+-------+-------+", "|    Class    |  IoU  |  Acc  |",
             "+-------------+-------+-------+"]
    for index, name in enumerate(CLASSES):
        iou = round(_miou(epoch, ceiling) + (index % 5) - 2, 2)
        lines.append(f"| {name:^11} | {iou:5} | {min(100.0, iou + 5):5} |")
    lines.append("+-------------+-------+-------+")
    return lines


def write_run(work_dir: Path, *, epochs: int, max_epochs: int | None = None, lr: float = 0.01,
              ceiling: float = 70.0, iters_per_epoch: int = 10, log_every: int = 5,
              started: float | None = None, with_log: bool = True) -> Path:
    """A run of `epochs` epochs (of `max_epochs`) with base LR `lr`; mIoU rises towards `ceiling`."""
    work_dir.mkdir(parents=True, exist_ok=True)
    recipe = Recipe(name=work_dir.name, gpus=2, batch_per_gpu=8, base_lr=lr, base_batch=16,
                    max_epochs=max_epochs or epochs, work_dir=str(work_dir))
    (work_dir / f"{work_dir.name}.py").write_text(render_config(recipe), encoding="utf-8")
    begun = started if started is not None else time.time() - 3600
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(begun))
    folder = work_dir / stamp
    (folder / "vis_data").mkdir(parents=True, exist_ok=True)
    scalars: list[str] = []
    log: list[str] = []
    clock = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(begun))
    for epoch in range(1, epochs + 1):
        for it in range(log_every, iters_per_epoch + 1, log_every):
            step = (epoch - 1) * iters_per_epoch + it
            rate = lr * (1 - step / (iters_per_epoch * (max_epochs or epochs) + 1)) ** 0.9
            loss = 3.0 / (1 + step / 50)
            scalars.append(json.dumps({"lr": rate, "data_time": 0.01, "loss": loss, "time": 0.2,
                                       "epoch": epoch, "iter": step, "step": step}))
            log.append(_HEAD.format(stamp=clock) + f"Epoch(train) [{epoch}][{it}/{iters_per_epoch}]  "
                       f"lr: {rate:.4e}  eta: 0:01:00  time: 0.2000  data_time: 0.0100  loss: {loss:.4f}")
        miou = _miou(epoch, ceiling)
        scalars.append(json.dumps({"aAcc": 90.0, "mIoU": miou, "mAcc": miou + 5, "data_time": 0.01,
                                   "time": 0.1, "step": epoch}))
        log.append(_HEAD.format(stamp=clock) + f"Saving checkpoint at {epoch} epochs")
        log += class_table(epoch, ceiling, clock)
        log.append(_HEAD.format(stamp=clock) + f"Epoch(val) [{epoch}][6/6]    aAcc: 90.0000  "
                   f"mIoU: {miou:.4f}  mAcc: {miou + 5:.4f}  data_time: 0.0100  time: 0.1000")
    (folder / "vis_data" / "scalars.json").write_text("".join(s + "\n" for s in scalars), encoding="utf-8")
    if with_log:
        (folder / f"{stamp}.log").write_text("".join(line + "\n" for line in log), encoding="utf-8")
    return work_dir
