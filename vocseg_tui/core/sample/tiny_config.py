"""The sample project's tiny UPerNet config: the real recipe, shrunk to train on a CPU.

It inherits mmseg's shipped bases through package-scoped paths (no copies of mmseg files) and
overrides only what makes it tiny: a narrow ResNetV1c-18, narrow heads, 64x64 crops, plain BN
(one process), no pretrained download, 3 epochs. Everything else (EncoderDecoder, the VOC-aug
dataset classes and transforms, IoUMetric) is mmseg's own, so the screens behave on it exactly
as on the full recipe.
"""

from __future__ import annotations

SAMPLE_CONFIG_NAME = "sample_tiny.py"

TINY_CONFIG = '''\
# Sample project: a tiny UPerNet that trains on CPU in well under a minute.
# Same structure as the full UPerNet-R50 VOC-aug recipe, epoch-based, with everything shrunk.
_base_ = [
    'mmseg::_base_/models/upernet_r50.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/default_runtime.py',
]

# --- hardware and batch: 1 process (CPU) x 2 images ---
num_gpus = 1
batch_per_gpu = 2
crop_size = (64, 64)
max_epochs = 3
# Linear scaling: lr = 0.4 * (1 x 2) / 16 = 0.05. A tiny model from scratch needs a far
# higher base LR than the pretrained R50 recipe (0.01 at 16) to learn in 39 iterations.
base_lr = 0.4
base_batch = 16
lr = base_lr * num_gpus * batch_per_gpu / base_batch

norm_cfg = dict(type='BN', requires_grad=True)  # one process: BN, not SyncBN
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,  # no download: random init is fine for the sample
    backbone=dict(
        type='ResNetV1c', depth=18, stem_channels=16, base_channels=16,
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=[16, 32, 64, 128], channels=32, num_classes=21, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, num_classes=21, norm_cfg=norm_cfg),
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(128, 96), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Pad', size=crop_size),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 96), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
data_root = 'data/VOCdevkit/VOC2012'
# VOC-aug = VOC train (SegmentationClass) + SBD's extra images (SegmentationClassAug).
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
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based: not InfiniteSampler
    dataset=dict(type='ConcatDataset', datasets=[voc_train, sbd_aug]),
)
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=0.0005),
    clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=5, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=3,
                    save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
log_processor = dict(by_epoch=True)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
work_dir = 'work_dirs/sample_tiny'
'''
