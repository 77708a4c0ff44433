# upernet_r50_voc12aug_epoch: UPerNet-R50 on PASCAL VOC 2012 + SBD, epoch-based.
# Written by vocseg-tui from `vocseg_recipe` (end of file). Check hand edits with
#   vocseg-tui check <this file>
_base_ = [
    'mmseg::_base_/models/upernet_r50.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/default_runtime.py',
]

# --- hardware and batch: 2 GPUs x 4 images ---
num_gpus = 2
batch_per_gpu = 4
total_batch = num_gpus * batch_per_gpu  # = 8
crop_size = (512, 512)

# --- learning rate: linear scaling rule ---
# lr = base_lr x total_batch / base_batch = 0.01 x 8 / 16 = 0.005
base_lr = 0.01
base_batch = 16
lr = base_lr * total_batch / base_batch

# --- schedule, counted in epochs ---
# 10,582 images / 8 per iteration = 1,323 iterations per epoch
# The official schedules count iterations at batch 16; equal samples seen:
#   40k: 40,000 x 16 / 10,582 = 60.5 epochs (80,000 iterations at batch 8)
#   20k: 20,000 x 16 / 10,582 = 30.2 epochs
# 61 epochs = 80,703 iterations = 645,624 samples
max_epochs = 61

norm_cfg = dict(type='SyncBN', requires_grad=True)  # several processes: BN synchronised across GPUs
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnet50_v1c',  # ImageNet weights of the deep-stem ResNetV1c
    backbone=dict(type='ResNetV1c', norm_cfg=norm_cfg),
    decode_head=dict(num_classes=21, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=21, norm_cfg=norm_cfg),
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Pad', size=crop_size),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
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
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based: not InfiniteSampler
    dataset=dict(type='ConcatDataset', datasets=[voc_train, sbd_aug]),
)
val_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
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
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=3,
                    save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
log_processor = dict(by_epoch=True)  # logs `Epoch(train) [e][i/n]`, not global iterations
nan_guard = True  # tools/train.py stops at the first non-finite loss, saving nothing
env_cfg = dict(dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
work_dir = 'work_dirs/upernet_r50_voc12aug_epoch'

# The recipe this file was written from (read back by vocseg-tui; keep it in step).
vocseg_recipe = dict(
    name='upernet_r50_voc12aug_epoch',
    gpus=2,
    batch_per_gpu=4,
    base_lr=0.01,
    base_batch=16,
    max_epochs=61,
    val_interval=1,
    ckpt_interval=1,
    max_keep_ckpts=3,
    crop=[512, 512],
    arch='r50',
    backbone='ResNetV1c',
    pretrained='open-mmlab://resnet50_v1c',
    amp=False,
    num_workers=4,
    seed=0,
    work_dir='work_dirs/upernet_r50_voc12aug_epoch',
    dataset_size=10582,
    log_interval=50,
    nan_guard=True,
    patience=0,
)
