# sample_tiny: tiny UPerNet (sample, trains on CPU) on PASCAL VOC 2012 + SBD, epoch-based.
# Written by vocseg-tui from `vocseg_recipe` (end of file). Check hand edits with
#   vocseg-tui check <this file>
_base_ = [
    'mmseg::_base_/models/upernet_r50.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/default_runtime.py',
]

# --- hardware and batch: CPU x 2 images ---
num_gpus = 1
batch_per_gpu = 2
total_batch = num_gpus * batch_per_gpu  # = 2
crop_size = (64, 64)

# --- learning rate: linear scaling rule ---
# lr = base_lr x total_batch / base_batch = 0.4 x 2 / 16 = 0.05
base_lr = 0.4
base_batch = 16
lr = base_lr * total_batch / base_batch

# --- schedule, counted in epochs ---
# 26 images / 2 per iteration = 13 iterations per epoch
# The official schedules count iterations at batch 16; equal samples seen:
#   40k: 40,000 x 16 / 26 = 24615.4 epochs (320,000 iterations at batch 2)
#   20k: 20,000 x 16 / 26 = 12307.7 epochs
# 3 epochs = 39 iterations = 78 samples
max_epochs = 3

norm_cfg = dict(type='BN', requires_grad=True)  # one process: plain BN (SyncBN needs several)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,  # random init, no download
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
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based: not InfiniteSampler
    dataset=dict(type='ConcatDataset', datasets=[voc_train, sbd_aug]),
)
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=0.0005),
    clip_grad=None)
# Poly decay to 1e-4 over the whole run, counted in epochs but applied every iteration.
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
log_processor = dict(by_epoch=True)  # logs `Epoch(train) [e][i/n]`, not global iterations
nan_guard = True  # tools/train.py stops at the first non-finite loss, saving nothing
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
work_dir = 'work_dirs/sample_tiny'

# The recipe this file was written from (read back by vocseg-tui; keep it in step).
vocseg_recipe = dict(
    name='sample_tiny',
    gpus=0,
    batch_per_gpu=2,
    base_lr=0.4,
    base_batch=16,
    max_epochs=3,
    val_interval=1,
    ckpt_interval=1,
    max_keep_ckpts=3,
    crop=[64, 64],
    arch='tiny',
    backbone='ResNetV1c',
    pretrained=None,
    amp=False,
    num_workers=0,
    seed=0,
    work_dir='work_dirs/sample_tiny',
    dataset_size=26,
    log_interval=5,
    nan_guard=True,
    patience=0,
)
