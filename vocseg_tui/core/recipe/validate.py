"""The validator: known traps in an mmengine config, each explained with its fix.

It reads a resolved config dict (the config loader's output), so it judges hand-edited files
and the official ones alike. Each rule is a small function that yields `Finding`s; errors
are what silently wastes GPU days (an InfiniteSampler under an epoch loop never ends an
epoch; a scheduler counted in iterations decays the LR in the first minutes), warnings are
what makes a run slower or its logs harder to read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.recipe.derive import OFFICIAL_BATCH
from vocseg_tui.core.recipe.files import RECIPE_VARIABLE, ZOO_VARIABLE
from vocseg_tui.core.recipe.model import MATCHING_WEIGHTS, Recipe, weights_mismatch
from vocseg_tui.core.recipe.weights import torchvision_available, weights_status
from vocseg_tui.core.voc import NUM_CLASSES, TRAINAUG_SIZE

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    explanation: str
    fix: str
    key: str = ""

    def to_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class Context:
    cfg: Mapping[str, Any]
    processes: int | None
    base: Path
    source: str = "CONFIG"
    """The config's path as the user gave it, for fixes that name it."""

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.cfg
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def epoch_loop(self) -> bool:
        loop = self.get("train_cfg", {}) or {}
        return loop.get("type") == "EpochBasedTrainLoop" or (
            "max_epochs" in loop and loop.get("by_epoch", True) and "max_iters" not in loop)


Rule = Callable[[Context], Iterator[Finding]]

REQUIRED_KEYS = ("model", "train_dataloader", "train_cfg", "optim_wrapper")
"""What mmengine's Runner needs to train at all; without one the run dies at once."""
OFFICIAL_LR = 0.01
"""SGD's LR in the official UPerNet VOC-aug recipe, at total batch OFFICIAL_BATCH."""
ABSURD_LR = 1.0
"""An SGD learning rate at or above this diverges within iterations (the official one is 0.01)."""


def _complete(ctx: Context) -> Iterator[Finding]:
    missing = [key for key in REQUIRED_KEYS if not isinstance(ctx.get(key), Mapping)]
    if not missing:
        return
    empty = not any(not key.startswith("_") for key in ctx.cfg)
    what = "is empty" if empty else f"defines no {', '.join(missing)}"
    yield Finding("config-incomplete", "error", f"the config {what}",
                  "mmengine needs a model, a train_dataloader, a train_cfg loop and an optim_wrapper "
                  f"to train; without {missing[0]} the run stops at once (KeyError: {missing[0]!r})",
                  "write a complete config with `vocseg-tui recipe --write configs/NAME.py` (or the "
                  "Recipe area), or inherit mmseg's bases: _base_ = ['mmseg::_base_/models/upernet_r50.py', "
                  "'mmseg::_base_/datasets/pascal_voc12_aug.py', 'mmseg::_base_/default_runtime.py', "
                  "'mmseg::_base_/schedules/schedule_40k.py']", missing[0])


def _sampler(ctx: Context) -> Iterator[Finding]:
    sampler = ctx.get("train_dataloader.sampler", {}) or {}
    if ctx.epoch_loop and sampler.get("type") == "InfiniteSampler":
        yield Finding("infinite-sampler", "error", "InfiniteSampler under an epoch-based loop",
                      "an InfiniteSampler never ends an epoch, so the first epoch never finishes: no "
                      "validation, no checkpoint, no LR step counted in epochs",
                      "train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))",
                      "train_dataloader.sampler")
    elif ctx.epoch_loop and sampler.get("type") == "DefaultSampler" and not sampler.get("shuffle", True):
        yield Finding("no-shuffle", "warning", "the training sampler does not shuffle",
                      "every epoch sees the images in the same order, which hurts SGD",
                      "train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))",
                      "train_dataloader.sampler.shuffle")


def _iter_loop(ctx: Context) -> Iterator[Finding]:
    """tools/train.py resumes an IterBasedTrainLoop over an InfiniteSampler at the sampler level
    (vocseg_tui.workers.iter_resume); over any other sampler mmengine's replay remains."""
    loop = ctx.get("train_cfg", {}) or {}
    sampler = (ctx.get("train_dataloader.sampler", {}) or {}).get("type")
    resumable = sampler in ("InfiniteSampler", "mmengine.InfiniteSampler")
    if loop.get("type") == "IterBasedTrainLoop" and not resumable:
        yield Finding("iter-loop", "warning", f"iteration-based training loop over {sampler}",
                      f"IterBasedTrainLoop over {sampler} resumes by loading and augmenting every batch "
                      "already trained, which takes hours on VOC-aug; over an InfiniteSampler "
                      "tools/train.py resumes at the sampler level, at once",
                      "train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True)), "
                      "or an epoch loop: `vocseg-tui recipe --write`",
                      "train_dataloader.sampler.type")


def _hooks(ctx: Context) -> Iterator[Finding]:
    if not ctx.epoch_loop:
        return
    ckpt = ctx.get("default_hooks.checkpoint", {}) or {}
    if ckpt and ckpt.get("by_epoch", True) is False:
        yield Finding("checkpoint-by-iter", "error", "CheckpointHook counts iterations under an epoch loop",
                      f"interval={ckpt.get('interval', 1)} would save a checkpoint every "
                      f"{ckpt.get('interval', 1)} iterations, and resume would not land on an epoch",
                      "default_hooks = dict(checkpoint=dict(by_epoch=True))",
                      "default_hooks.checkpoint.by_epoch")
    logger = ctx.get("default_hooks.logger", {}) or {}
    if logger and logger.get("log_metric_by_epoch", True) is False:
        yield Finding("logger-by-iter", "warning", "LoggerHook logs metrics by iteration",
                      "validation metrics are then filed under iteration numbers, not epochs",
                      "default_hooks = dict(logger=dict(log_metric_by_epoch=True))",
                      "default_hooks.logger.log_metric_by_epoch")
    if (ctx.get("log_processor", {}) or {}).get("by_epoch", True) is False:
        yield Finding("log-processor-by-iter", "warning", "log_processor counts iterations",
                      "mmseg's default_runtime.py sets by_epoch=False: the log shows "
                      "`Iter(train) [i/N]` instead of `Epoch(train) [e][i/n]` and the Logs screen "
                      "cannot place points in epochs",
                      "log_processor = dict(by_epoch=True)", "log_processor.by_epoch")
    if not ckpt.get("save_best"):
        yield Finding("no-save-best", "info", "no best checkpoint is kept",
                      "only the last few checkpoints survive max_keep_ckpts; the best mIoU may be lost",
                      "default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))",
                      "default_hooks.checkpoint.save_best")


def _schedulers(ctx: Context) -> Iterator[Finding]:
    schedulers = ctx.get("param_scheduler") or []
    if isinstance(schedulers, Mapping):
        schedulers = [schedulers]
    max_epochs = ctx.get("train_cfg.max_epochs")
    for i, sched in enumerate(schedulers if ctx.epoch_loop else []):
        kind, key = sched.get("type", "?"), f"param_scheduler[{i}]"
        if sched.get("by_epoch", True) is False:
            yield Finding("scheduler-by-iter", "error", f"{kind} counts iterations under an epoch loop",
                          f"begin/end ({sched.get('begin', 0)}..{sched.get('end')}) are read as "
                          "iterations: the LR reaches its minimum within the first minutes and stays there",
                          f"{key}: by_epoch=True, end=max_epochs, convert_to_iter_based=True", key)
        elif not sched.get("convert_to_iter_based", False):
            yield Finding("scheduler-per-epoch", "warning", f"{kind} changes the LR once per epoch",
                          "without convert_to_iter_based the LR is a staircase with one step per "
                          "epoch instead of decaying every iteration as in the official recipe",
                          f"{key}: convert_to_iter_based=True", key)
        end = sched.get("end")
        if (sched.get("by_epoch", True) and isinstance(end, (int, float)) and isinstance(max_epochs, int)
                and end < max_epochs):
            yield Finding("scheduler-short", "warning", f"{kind} ends at epoch {end} of {max_epochs}",
                          "the LR sits at its minimum for the rest of the run",
                          f"{key}: end=max_epochs", key)


def _heads(model: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name in ("decode_head", "auxiliary_head"):
        head = model.get(name)
        heads = head if isinstance(head, list) else [head]
        for i, item in enumerate(heads):
            if isinstance(item, Mapping):
                yield (f"model.{name}" + (f"[{i}]" if isinstance(head, list) else "")), item


def _classes(ctx: Context) -> Iterator[Finding]:
    for key, head in _heads(ctx.get("model", {}) or {}):
        classes = head.get("num_classes")
        if classes is not None and classes != NUM_CLASSES:
            yield Finding("num-classes", "error", f"{key} predicts {classes} classes, VOC has {NUM_CLASSES}",
                          "mmseg's model base is set up for Cityscapes (19); VOC has 20 objects + background",
                          f"{key}: num_classes={NUM_CLASSES}", f"{key}.num_classes")


def norm_types(node: Any) -> set[str]:
    """Every norm layer type named anywhere in `node` (BN, SyncBN, GN, ...)."""
    if isinstance(node, Mapping):
        found = {str(node["type"])} if "norm" in str(node.get("type", "")).lower() or \
            node.get("type") == "SyncBN" else set()
        for value in node.values():
            found |= norm_types(value)
        return found
    if isinstance(node, list):
        return set().union(*(norm_types(v) for v in node)) if node else set()
    return set()


def _syncbn(ctx: Context) -> Iterator[Finding]:
    if "SyncBN" not in norm_types(ctx.get("model", {})):
        return
    backend = ctx.get("env_cfg.dist_cfg.backend")
    if ctx.processes == 1:
        yield Finding("syncbn-one-process", "warning", "SyncBN with one process",
                      "there is nothing to synchronise with: a single-process launch falls back to "
                      "BN, and a one-rank distributed launch pays for the sync for nothing",
                      "norm_cfg = dict(type='BN', requires_grad=True) in backbone and both heads",
                      "model.backbone.norm_cfg")
    elif backend == "gloo":
        yield Finding("syncbn-cpu", "error", "SyncBN with the gloo (CPU) backend",
                      "SyncBatchNorm runs on CUDA only: a multi-process CPU run fails at the first step",
                      "norm_cfg = dict(type='BN', requires_grad=True), or train on GPUs with nccl",
                      "model.backbone.norm_cfg")


def pretrained_weights(ctx: Context) -> tuple[str | None, str]:
    """The pretrained weights the model loads (model.pretrained, else the backbone's init_cfg
    checkpoint or pretrained), and the config key that names them."""
    backbone = ctx.get("model.backbone", {}) or {}
    raw_init = backbone.get("init_cfg") if isinstance(backbone, Mapping) else None
    init: Mapping[str, Any] = raw_init if isinstance(raw_init, Mapping) else {}
    init_weights = init.get("checkpoint") if init.get("type") == "Pretrained" else None
    model_weights = ctx.get("model.pretrained")
    weights = model_weights or init_weights or (backbone.get("pretrained") if isinstance(backbone, Mapping)
                                                else None)
    key = "model.pretrained" if model_weights else "model.backbone.init_cfg.checkpoint"
    return (str(weights) if weights else None), key


def _weights(ctx: Context) -> Iterator[Finding]:
    backbone = ctx.get("model.backbone", {}) or {}
    btype = str(backbone.get("type", ""))
    model_weights = ctx.get("model.pretrained")
    raw_init = backbone.get("init_cfg")
    init: Mapping[str, Any] = raw_init if isinstance(raw_init, Mapping) else {}
    init_weights = init.get("checkpoint") if init.get("type") == "Pretrained" else None
    if model_weights and (init_weights or backbone.get("pretrained")):
        yield Finding("pretrained-twice", "error", "pretrained weights are set twice",
                      "model.pretrained and backbone.init_cfg both name weights: mmseg stops with "
                      "`init_cfg and pretrained cannot be setting at the same time`",
                      "model = dict(pretrained=None), keep backbone.init_cfg (or the other way round)",
                      "model.pretrained")
    weights, key = pretrained_weights(ctx)
    if not weights:
        return
    depth = backbone.get("depth")
    mismatch = None
    if btype in MATCHING_WEIGHTS:
        mismatch = weights_mismatch(btype, str(weights))
    if mismatch:
        yield Finding("pretrained-mismatch", "error", f"{weights} does not fit {btype}", mismatch,
                      f"{key}={MATCHING_WEIGHTS[btype]!r}  (or backbone type "
                      f"{'ResNet' if btype == 'ResNetV1c' else 'ResNetV1c'!r})", key)
    named = re.search(r"resnet(\d+)", str(weights))
    if named and isinstance(depth, int) and int(named.group(1)) != depth:
        yield Finding("pretrained-depth", "error", f"{weights} is a ResNet-{named.group(1)}, "
                      f"the backbone is ResNet-{depth}", "almost no weight would load",
                      f"{key}=None, or weights of a ResNet-{depth}", key)
    if str(weights).startswith("torchvision://") and not torchvision_available():
        yield Finding("torchvision-missing", "error", "torchvision:// weights need torchvision",
                      "mmengine imports torchvision to find the URL; it is not installed here",
                      f"pip install torchvision, or {key}={MATCHING_WEIGHTS.get(btype, 'None')!r}", key)
    status = weights_status(str(weights), ctx.base)
    if status.kind == "download":
        yield Finding("weights-download", "info", "pretrained weights will be downloaded at launch",
                      status.message + "; an offline server fails there",
                      f"copy the file to {status.path}, or set {key} to a local .pth file", key)
    elif status.kind == "missing":
        yield Finding("weights-missing", "error", f"local weights {status.path} do not exist",
                      "the run would stop while initialising the model", f"fix the path in {key}", key)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def recorded_launch(ctx: Context) -> tuple[int, int | None] | None:
    """(processes, images per process) the config was written for, from its recipe (`gpus`,
    0 meaning one CPU process) or the `num_gpus` / `batch_per_gpu` variables of a config in
    the same style; None when it does not say."""
    stored = ctx.get(RECIPE_VARIABLE)
    if isinstance(stored, Mapping) and (gpus := _int(stored.get("gpus"))) is not None:
        return max(1, gpus), _int(stored.get("batch_per_gpu"))
    if (gpus := _int(ctx.get("num_gpus"))) is not None and gpus >= 0:
        return max(1, gpus), _int(ctx.get("batch_per_gpu"))
    return None


def _base_lr(ctx: Context) -> tuple[float, int] | None:
    """The LR the config scales from and the batch it is meant for (recipe, else variables)."""
    stored = ctx.get(RECIPE_VARIABLE)
    source = stored if isinstance(stored, Mapping) else ctx.cfg
    base_lr, base_batch = _number(source.get("base_lr")), _int(source.get("base_batch"))
    if base_lr is not None and base_batch:
        return base_lr, base_batch
    return None


def _device_count(ctx: Context, batch: int, lr: float) -> Iterator[Finding]:
    """A launch with another device count than the config was written for changes the total
    batch; the LR must follow it (linear scaling rule) or the run trains with the LR of
    another batch, silently."""
    recorded = recorded_launch(ctx)
    if ctx.processes is None or recorded is None or ctx.processes == recorded[0]:
        return
    was_processes, was_batch = recorded[0], recorded[1] or batch
    was_total, total = was_processes * was_batch, ctx.processes * batch
    if total == was_total:
        return
    base = _base_lr(ctx)
    expected = base[0] * total / base[1] if base else lr * total / was_total
    if math.isclose(lr, expected, rel_tol=0.05):
        return  # the LR was rescaled already (e.g. --cfg-options optim_wrapper.optimizer.lr=...)
    rule = f"{base[0]:g} x {total} / {base[1]}" if base else f"{lr:g} x {total} / {was_total}"
    yield Finding(
        "device-count", "error" if base else "warning",
        f"the config is for {was_processes} process(es) x {was_batch} = batch {was_total}; this "
        f"launch runs {ctx.processes} x {batch} = batch {total}",
        f"its lr {lr:g} is meant for batch {was_total}; at batch {total} the linear scaling rule "
        f"({rule}) gives {expected:g}, so it would train with {lr / expected:.2g}x that LR",
        f"--cfg-options optim_wrapper.optimizer.lr={expected:g}, or launch {was_processes} "
        f"process(es), or write a config for this launch: `vocseg-tui recipe --from {ctx.source} "
        f"--gpus {ctx.processes} --write configs/NEW.py` (--gpus cpu for one CPU process)",
        "optim_wrapper.optimizer.lr")


def sanity_findings(total_batch: int, lr: float, dataset_size: int | None) -> list[Finding]:
    """Numbers that are legal but cannot be meant: a batch larger than the dataset, an LR
    that diverges at once. Shared by the validator and `vocseg-tui recipe`."""
    found = []
    if dataset_size and total_batch > dataset_size:
        found.append(Finding(
            "batch-exceeds-dataset", "warning",
            f"total batch {total_batch} is larger than the dataset ({dataset_size:,} images)",
            "each epoch is a single, partly empty iteration (none at all with drop_last), so the "
            "schedule, validation and checkpoints all count almost nothing",
            f"lower the batch to at most {dataset_size} images in total, or check the dataset size",
            "train_dataloader.batch_size"))
    if lr >= ABSURD_LR:
        official = OFFICIAL_LR * total_batch / OFFICIAL_BATCH
        found.append(Finding(
            "lr-absurd", "warning", f"lr {lr:g} is absurd for SGD",
            "an SGD learning rate of 1 or more diverges within a few iterations (loss NaN); the "
            f"official recipe uses {OFFICIAL_LR:g} at batch {OFFICIAL_BATCH}",
            f"optim_wrapper = dict(optimizer=dict(lr={official:g}))  ({OFFICIAL_LR:g} scaled to batch "
            f"{total_batch})",
            "optim_wrapper.optimizer.lr"))
    return found


def _scaling(ctx: Context) -> Iterator[Finding]:
    """The linear scaling rule and the schedule length against the official 40k schedule."""
    batch, lr = _int(ctx.get("train_dataloader.batch_size")), _number(ctx.get("optim_wrapper.optimizer.lr"))
    if ctx.processes and batch and lr is not None and lr > 0:
        total = ctx.processes * batch
        size = (ctx.get(RECIPE_VARIABLE) or {}).get("dataset_size")
        yield from sanity_findings(total, lr, _int(size))
        mismatch = list(_device_count(ctx, batch, lr))
        yield from mismatch
        base_lr, base_batch = _base_lr(ctx) or (OFFICIAL_LR, OFFICIAL_BATCH)
        expected = base_lr * total / base_batch
        if not mismatch and not 0.5 <= lr / expected <= 2:
            yield Finding("lr-not-scaled", "warning", f"lr {lr:g} is far from the linear scaling rule",
                          f"total batch {ctx.processes} x {batch} = {total}: {base_lr:g} at batch "
                          f"{base_batch} scales to {expected:g}",
                          f"optim_wrapper = dict(optimizer=dict(lr={expected:g}))",
                          "optim_wrapper.optimizer.lr")
    epochs = ctx.get("train_cfg.max_epochs")
    if ctx.epoch_loop and isinstance(epochs, int):
        size = (ctx.get(RECIPE_VARIABLE) or {}).get("dataset_size", TRAINAUG_SIZE)
        # A config from the zoo is measured against its own model's schedule (20k or 40k).
        zoo = ctx.get(ZOO_VARIABLE)
        iters = _int(zoo.get("official_iters")) if isinstance(zoo, Mapping) else None
        batch = _int(zoo.get("official_batch")) if isinstance(zoo, Mapping) else None
        iters, batch = (iters, batch) if iters and batch else (40_000, OFFICIAL_BATCH)
        official = iters * batch / size
        yield Finding("schedule-length", "info",
                      f"{epochs} epochs = {epochs / official:.2f} x the official {iters // 1000}k schedule",
                      f"{iters:,} iterations x batch {batch} / {size:,} images = {official:.1f} epochs "
                      "(the number of samples seen, whatever your batch)",
                      f"train_cfg.max_epochs={math.ceil(official)} to match it", "train_cfg.max_epochs")


def _recipe_drift(ctx: Context) -> Iterator[Finding]:
    stored = ctx.get(RECIPE_VARIABLE)
    if not isinstance(stored, Mapping):
        return
    try:
        recipe = Recipe.from_dict(stored)
    except Exception as exc:
        yield Finding("recipe-invalid", "warning", f"{RECIPE_VARIABLE} is not a valid recipe: {exc}",
                      "the app cannot open this file in the form", "re-write it from the form",
                      RECIPE_VARIABLE)
        return
    actual = {"max_epochs": ctx.get("train_cfg.max_epochs"),
              "batch_per_gpu": ctx.get("train_dataloader.batch_size"),
              "val_interval": ctx.get("train_cfg.val_interval"),
              "work_dir": ctx.get("work_dir")}
    drift = [f"{k}: recipe {getattr(recipe, k)!r}, config {v!r}" for k, v in actual.items()
             if v is not None and v != getattr(recipe, k)]
    if drift:
        yield Finding("recipe-drift", "warning", "the config was edited away from its recipe",
                      "; ".join(drift) + ". Re-saving from the form would undo the edit",
                      f"update {RECIPE_VARIABLE} to match, or edit in the form", RECIPE_VARIABLE)


RULES: tuple[Rule, ...] = (_complete, _sampler, _iter_loop, _hooks, _schedulers, _classes, _syncbn,
                           _weights, _scaling, _recipe_drift)


def validate(cfg: Mapping[str, Any], *, processes: int | None = None, base: Path | None = None,
             source: str = "CONFIG") -> list[Finding]:
    """All findings for a resolved config, errors first. `processes`: the planned launch
    (default: what the config was written for); `source`: the config's path, for fixes."""
    ctx = Context(cfg, processes, base or Path.cwd(), source)
    if processes is None and (recorded := recorded_launch(ctx)) is not None:
        ctx = Context(cfg, recorded[0], ctx.base, source)
    findings = [f for rule in RULES for f in rule(ctx)]
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
