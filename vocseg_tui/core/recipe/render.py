"""Render a recipe to a short mmengine config that inherits mmseg's shipped bases.

The file holds only overrides, each one epoch-based by construction, with the scaling
arithmetic spelled out in comments so a reader without this tool can check it. Lists are
written out whole (mmengine replaces inherited lists wholesale, so a pipeline or the
ConcatDataset's `datasets=[...]` cannot be patched one element at a time). The recipe itself
is stored at the end as `vocseg_recipe = dict(...)`, which is how a file round-trips.
"""

from __future__ import annotations

from vocseg_tui.core.recipe.derive import OFFICIAL_BATCH, derive
from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.voc import NUM_CLASSES

BASES = (
    "mmseg::_base_/models/upernet_r50.py",
    "mmseg::_base_/datasets/pascal_voc12_aug.py",
    "mmseg::_base_/default_runtime.py",
)
SHIPPED_BASE = "mmseg::upernet/upernet_r50_4xb4-40k_voc12aug-512x512.py"
RESIZE_SCALE = {"r50": (2048, 512), "tiny": (128, 96)}


def _num(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e5 else f"{value:,.0f}"


def _model(r: Recipe, norm: str) -> str:
    weights = repr(r.pretrained)
    if r.arch == "tiny":
        backbone = (f"    backbone=dict(\n        type={r.backbone!r}, depth=18, stem_channels=16, "
                    "base_channels=16,\n        norm_cfg=norm_cfg),\n")
        heads = (f"    decode_head=dict(\n        in_channels=[16, 32, 64, 128], channels=32, "
                 f"num_classes={NUM_CLASSES}, norm_cfg=norm_cfg),\n"
                 f"    auxiliary_head=dict(in_channels=64, channels=16, num_classes={NUM_CLASSES}, "
                 "norm_cfg=norm_cfg),\n")
    else:
        backbone = f"    backbone=dict(type={r.backbone!r}, norm_cfg=norm_cfg),\n"
        heads = (f"    decode_head=dict(num_classes={NUM_CLASSES}, norm_cfg=norm_cfg),\n"
                 f"    auxiliary_head=dict(num_classes={NUM_CLASSES}, norm_cfg=norm_cfg),\n")
    why = {"SyncBN": "several processes: BN synchronised across GPUs",
           "BN": "one process: plain BN (SyncBN needs several)"}[norm]
    return (
        f"norm_cfg = dict(type={norm!r}, requires_grad=True)  # {why}\n"
        "data_preprocessor = dict(size=crop_size)\n"
        "model = dict(\n"
        "    data_preprocessor=data_preprocessor,\n"
        f"    pretrained={weights},  # {_weights_comment(r)}\n"
        f"{backbone}{heads})\n"
    )


def _weights_comment(r: Recipe) -> str:
    if r.pretrained is None:
        return "random init, no download"
    if r.pretrained.startswith("open-mmlab://"):
        return "ImageNet weights of the deep-stem ResNetV1c"
    if r.pretrained.startswith("torchvision://"):
        return "torchvision's ImageNet ResNet (V1b stem)"
    return "local or remote checkpoint file"


def _data(r: Recipe) -> str:
    scale = RESIZE_SCALE[r.arch]
    persistent = r.num_workers > 0
    return f"""\
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale={scale}, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Pad', size=crop_size),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale={scale}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
data_root = 'data/VOCdevkit/VOC2012'
# VOC-aug = VOC train (SegmentationClass) + SBD's extra images (SegmentationClassAug).
# Written out whole: mmengine replaces an inherited list, it does not merge it.
voc_train = dict(
    type='PascalVOCDataset', data_root=data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/train.txt', pipeline=train_pipeline)
sbd_aug = dict(
    type='PascalVOCDataset', data_root=data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
    ann_file='ImageSets/Segmentation/aug.txt', pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=batch_per_gpu,
    num_workers={r.num_workers},
    persistent_workers={persistent},
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based: not InfiniteSampler
    dataset=dict(type='ConcatDataset', datasets=[voc_train, sbd_aug]),
)
val_dataloader = dict(
    batch_size=1, num_workers={r.num_workers}, persistent_workers={persistent},
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
"""


def _schedule(r: Recipe) -> str:
    wrapper = ("dict(\n    type='AmpOptimWrapper', loss_scale='dynamic',  # mixed precision\n"
               if r.amp else "dict(\n    type='OptimWrapper',\n")
    return f"""\
optim_wrapper = {wrapper}    optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=0.0005),
    clip_grad=None)
# Poly decay to 1e-4 over the whole run, counted in epochs but applied every iteration.
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval={r.val_interval})
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval={r.log_interval}, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval={r.ckpt_interval}, \
max_keep_ckpts={r.max_keep_ckpts},
                    save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
log_processor = dict(by_epoch=True)  # logs `Epoch(train) [e][i/n]`, not global iterations
{_guards(r)}env_cfg = dict(dist_cfg=dict(backend={"'gloo'" if r.gpus == 0 else "'nccl'"}))
randomness = dict(seed={r.seed})
work_dir = {r.work_dir!r}
"""


EARLY_STOP_MIN_DELTA = 0.01
"""mIoU points (it is logged in percent) that count as an improvement for early stopping."""


def _guards(r: Recipe) -> str:
    """The NaN guard's switch (tools/train.py reads `nan_guard`) and, with a patience, mmengine's
    EarlyStoppingHook on mIoU (it sets the train loop's stop_training after a validation)."""
    guard = ("nan_guard = True  # tools/train.py stops at the first non-finite loss, saving nothing\n"
             if r.nan_guard else "nan_guard = False  # no stop at a non-finite loss\n")
    if not r.patience:
        return guard
    return guard + (
        f"# stop when mIoU has not improved by {EARLY_STOP_MIN_DELTA} for {r.patience} validations\n"
        "custom_hooks = [\n"
        f"    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', "
        f"min_delta={EARLY_STOP_MIN_DELTA}, patience={r.patience}),\n]\n")


def _recipe_literal(r: Recipe) -> str:
    items = [f"    {key}={value!r}," for key, value in r.to_dict().items()]
    return ("# The recipe this file was written from (read back by vocseg-tui; keep it in step).\n"
            "vocseg_recipe = dict(\n" + "\n".join(items) + "\n)\n")


def render_config(r: Recipe) -> str:
    """The config text for `r` (deterministic: the same recipe gives the same bytes)."""
    d = derive(r)
    device = "CPU" if r.gpus == 0 else f"{r.gpus} GPU{'s' if r.gpus > 1 else ''}"
    norm = "SyncBN" if r.processes > 1 else "BN"
    title = "tiny UPerNet (sample, trains on CPU)" if r.arch == "tiny" else "UPerNet-R50"
    bases = "".join(f"    {b!r},\n" for b in BASES)
    return f"""\
# {r.name}: {title} on PASCAL VOC 2012 + SBD, epoch-based.
# Written by vocseg-tui from `vocseg_recipe` (end of file). Check hand edits with
#   vocseg-tui check <this file>
_base_ = [
{bases}]

# --- hardware and batch: {device} x {r.batch_per_gpu} images ---
num_gpus = {d.processes}
batch_per_gpu = {r.batch_per_gpu}
total_batch = num_gpus * batch_per_gpu  # = {d.total_batch}
crop_size = {r.crop}

# --- learning rate: linear scaling rule ---
# lr = base_lr x total_batch / base_batch = {_num(r.base_lr)} x {d.total_batch} / {r.base_batch} \
= {_num(d.lr)}
base_lr = {r.base_lr!r}
base_batch = {r.base_batch}
lr = base_lr * total_batch / base_batch

# --- schedule, counted in epochs ---
# {r.dataset_size:,} images / {d.total_batch} per iteration = {d.iters_per_epoch:,} iterations per epoch
# The official schedules count iterations at batch {OFFICIAL_BATCH}; equal samples seen:
#   40k: 40,000 x {OFFICIAL_BATCH} / {r.dataset_size:,} = {d.epochs_equiv_40k:.1f} epochs \
({d.iters_equiv_40k:,} iterations at batch {d.total_batch})
#   20k: 20,000 x {OFFICIAL_BATCH} / {r.dataset_size:,} = {d.epochs_equiv_20k:.1f} epochs
# {r.max_epochs} epochs = {d.total_iters:,} iterations = {d.samples_seen:,} samples
max_epochs = {r.max_epochs}

{_model(r, norm)}
{_data(r)}
{_schedule(r)}
{_recipe_literal(r)}"""
