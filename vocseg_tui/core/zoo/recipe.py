"""An epoch-based config from any zoo model: inherit its mmseg config, override only what the
launch changes.

What carries over from the official schedule is the number of samples seen (iterations x
official batch / dataset size, in epochs) and the LR per sample (linear scaling from the
official LR and batch); the model's own optimizer type, momentum, weight decay, LR law
(poly, warm-up) and pretrained weights are inherited untouched. Iteration-counted schedulers
are re-expressed in epochs (`convert_to_iter_based`, so the LR still changes every iteration).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vocseg_tui.core.recipe.files import ZOO_VARIABLE
from vocseg_tui.core.voc import TRAINAUG_SIZE
from vocseg_tui.core.zoo.catalog import ZooError
from vocseg_tui.core.zoo.model import ZooModel

"""The config variable that records which zoo model and target a file was written from."""


@dataclass(frozen=True)
class ZooRecipe:
    """The derived values of a zoo model at a launch, and the config text that holds them."""

    name: str
    """The run's name: its work dir's and (as the picker writes it) its config file's."""
    model: str
    mmseg_config: str
    gpus: int
    """GPUs (processes); 0 means one CPU process."""
    batch_per_gpu: int
    total_batch: int
    official_iters: int
    official_batch: int
    official_lr: float
    lr: float
    optimizer: str
    dataset_size: int
    max_epochs: int
    iters_per_epoch: int
    total_iters: int
    target_miou: float | None
    target_miou_ms_flip: float | None
    pretrained: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["text"]
        return d


def _official(cfg: Mapping[str, Any], model: ZooModel) -> tuple[float, str, int]:
    optimizer = (cfg.get("optim_wrapper") or {}).get("optimizer") or {}
    lr = optimizer.get("lr")
    if not isinstance(lr, (int, float)) or lr <= 0:
        raise ZooError(f"{model.name} names no optimizer LR", "the zoo config may be broken; try another")
    iters = (cfg.get("train_cfg") or {}).get("max_iters", model.iters)
    return float(lr), str(optimizer.get("type", "?")), int(iters)


def _scheduler(sched: Mapping[str, Any], official_iters: int, max_epochs: int) -> str:
    """One scheduler of the zoo config, counted in epochs (fractions allowed for warm-ups)."""
    out = {k: v for k, v in sched.items() if k not in ("begin", "end", "by_epoch", "convert_to_iter_based")}
    if sched.get("by_epoch", True) is False:
        def epochs(i: Any) -> float | int:
            value = round(float(i) / official_iters * max_epochs, 3)
            return int(value) if value.is_integer() else value
        begin, end = epochs(sched.get("begin", 0)), sched.get("end", official_iters)
        end_e: Any = max_epochs if end is None or end >= official_iters else epochs(end)
    else:
        begin, end_e = sched.get("begin", 0), sched.get("end", max_epochs)
    items = ", ".join(f"{k}={v!r}" for k, v in out.items())
    end_text = "max_epochs" if end_e == max_epochs else repr(end_e)
    return (f"    dict({items}, begin={begin!r}, end={end_text},\n"
            "         by_epoch=True, convert_to_iter_based=True),\n")


def _heads_norm(cfg: Mapping[str, Any]) -> str:
    model = cfg.get("model") or {}
    parts = ["    backbone=dict(norm_cfg=norm_cfg),\n"] if "norm_cfg" in (model.get("backbone") or {}) else []
    for head in ("decode_head", "auxiliary_head"):
        node = model.get(head)
        if isinstance(node, Mapping) and "norm_cfg" in node:  # a list of heads is inherited whole
            parts.append(f"    {head}=dict(norm_cfg=norm_cfg),\n")
    return "".join(parts)


def _pretrained(cfg: Mapping[str, Any]) -> str | None:
    model = cfg.get("model") or {}
    init = (model.get("backbone") or {}).get("init_cfg") or {}
    weights = model.get("pretrained") or (init.get("checkpoint") if isinstance(init, Mapping) else None)
    return str(weights) if weights else None


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def zoo_recipe(model: ZooModel, cfg: Mapping[str, Any], *, gpus: int, batch_per_gpu: int,
               dataset_size: int = TRAINAUG_SIZE, val_interval: int = 1, name: str | None = None,
               pretrained: str | None = None) -> ZooRecipe:
    """The recipe for `model` (its resolved official config `cfg`) on `gpus` x `batch_per_gpu`.
    `pretrained`: None keeps the zoo config's weights, "" trains from scratch, else a file."""
    if gpus < 0 or batch_per_gpu < 1:
        raise ZooError(f"--gpus {gpus} --batch {batch_per_gpu} is no launch", "e.g. --gpus 2 --batch 8")
    official_lr, optimizer, official_iters = _official(cfg, model)
    processes = max(1, gpus)
    total = processes * batch_per_gpu
    lr = official_lr * total / model.batch
    max_epochs = max(1, math.ceil(official_iters * model.batch / dataset_size))  # never fewer samples
    per_epoch = math.ceil(dataset_size / total)
    name = safe_name(name or f"{model.name.split('_4xb')[0]}_{'cpu' if gpus == 0 else f'{gpus}g'}"
                             f"x{batch_per_gpu}_{max_epochs}e_voc12aug")
    weights = (pretrained or None) if pretrained is not None else _pretrained(cfg)
    schedulers = cfg.get("param_scheduler") or []
    if isinstance(schedulers, Mapping):
        schedulers = [schedulers]
    sched_text = "".join(_scheduler(s, official_iters, max_epochs) for s in schedulers)
    norm = "SyncBN" if processes > 1 else "BN"
    weights_line = ("" if pretrained is None else
                    "    pretrained=None,  # random init, no download\n" if not pretrained else
                    f"    pretrained={weights!r},  # a local .pth instead of the zoo's\n")
    device = "CPU" if gpus == 0 else f"{gpus} GPU{'s' if gpus > 1 else ''}"
    target = f"{model.miou} mIoU ({model.miou_ms_flip} ms+flip)" if model.miou is not None else "unpublished"
    record = dict(name=model.name, gpus=gpus, batch_per_gpu=batch_per_gpu, target_miou=model.miou,
                  target_miou_ms_flip=model.miou_ms_flip, official_iters=official_iters,
                  official_batch=model.batch, official_lr=official_lr)
    text = f"""\
# {name}: {model.collection} {model.backbone} from mmseg's zoo, epoch-based, on PASCAL VOC 2012 + SBD.
# Inherits {model.mmseg_config} and overrides only the launch.
# Published target ({official_iters // 1000}k x batch {model.batch}): {target}.
_base_ = [{model.mmseg_config!r}]

# --- hardware and batch: {device} x {batch_per_gpu} images ---
num_gpus = {processes}
batch_per_gpu = {batch_per_gpu}
total_batch = num_gpus * batch_per_gpu  # = {total}

# --- learning rate: linear scaling rule from the official {optimizer} LR and batch ---
# lr = base_lr x total_batch / base_batch = {official_lr:g} x {total} / {model.batch} = {lr:g}
base_lr = {official_lr!r}
base_batch = {model.batch}
lr = base_lr * total_batch / base_batch
optim_wrapper = dict(optimizer=dict(lr=lr))  # type, momentum, weight decay: the model's own

# --- schedule: the official sample budget, counted in epochs ---
# {official_iters:,} iterations x batch {model.batch} / {dataset_size:,} images = \
{official_iters * model.batch / dataset_size:.1f} -> {max_epochs} epochs
# {dataset_size:,} / {total} = {per_epoch:,} iterations per epoch; {per_epoch * max_epochs:,} in all
max_epochs = {max_epochs}
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval={val_interval})
param_scheduler = [  # the model's own LR law, re-counted in epochs
{sched_text}]
train_dataloader = dict(
    batch_size=batch_per_gpu,
    sampler=dict(type='DefaultSampler', shuffle=True))  # epoch-based: not InfiniteSampler

norm_cfg = dict(type={norm!r}, requires_grad=True)
model = dict(
{weights_line}{_heads_norm(cfg)})
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    checkpoint=dict(_delete_=True, type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=3,
                    save_best='mIoU', rule='greater'))
log_processor = dict(by_epoch=True)
env_cfg = dict(dist_cfg=dict(backend={"'gloo'" if gpus == 0 else "'nccl'"}))
work_dir = './work_dirs/{name}'

# What this file was written from (read back by vocseg-tui).
{ZOO_VARIABLE} = {record!r}
"""
    return ZooRecipe(
        name=name, model=model.name, mmseg_config=model.mmseg_config, gpus=gpus, batch_per_gpu=batch_per_gpu,
        total_batch=total, official_iters=official_iters, official_batch=model.batch,
        official_lr=official_lr, lr=lr, optimizer=optimizer, dataset_size=dataset_size,
        max_epochs=max_epochs, iters_per_epoch=per_epoch, total_iters=per_epoch * max_epochs,
        target_miou=model.miou, target_miou_ms_flip=model.miou_ms_flip, pretrained=weights, text=text,
    )
