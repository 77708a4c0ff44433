# =========================================================================
#
#           UPerNet-ResNet50 在 PASCAL VOC 2012 + SBD (增强集) 上的
#                         正式训练配置文件
#
# 作者: Autumnair007 & Copilot
# 日期: 2025-08-21
#
# 目的: 本配置文件旨在提供一个健壮、可复现的训练流程。
#      它使用 PASCAL VOC 增强数据集 (10,582 张图片)，并采用
#      基于 Epoch 的训练循环，以便于从断点快速恢复训练。
#      所有超参数均经过计算，以对齐官方的最佳实践。
#
# =========================================================================

# --- 第 1 部分: 继承基础配置 ---
# 我们从 _base_ 目录继承模型架构、数据集特性和默认运行时行为
# (如日志格式等) 的基础设置。
# 我们特意省略了 `schedule_*.py` 文件，以便自定义基于 Epoch 的训练策略。
_base_ = [
    'mmseg::_base_/models/upernet_r50.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/default_runtime.py'
]


# --- 第 2 部分: 用户自定义变量与硬件设置 ---
# 将关键参数集中在此处，方便快速修改。
# 当你需要将此配置适配到新硬件环境时，这里应该是你第一个检查和修改的地方。

# 你的硬件配置
gpu_count = 2         # 你用于训练的 GPU 数量。
samples_per_gpu = 4   # 每块 GPU 的批量大小 (Batch Size)。请根据你的显存大小调整。

# 训练超参数
num_workers = 4       # 用于数据加载的 CPU 线程数。

# 官方的经典配方通常基于总批量大小为 16。
# 我们使用“学习率线性缩放规则” (Linear Scaling Rule) 来适配你的硬件。
# 公式: 新学习率 = 基础学习率 * (你的总批量大小 / 官方总批量大小)
total_batch_size = gpu_count * samples_per_gpu
base_lr = 0.01
learning_rate = base_lr * (total_batch_size / 16)

# (可选) 计算与官方 40k 次迭代等价的 Epoch 总数，以确保训练量对齐。
# 公式: 总Epoch数 = 总迭代次数 / (数据集大小 / 总批量大小)
dataset_size = 10582  # PASCAL VOC 增强训练集的大小。
total_iterations = 40000
# 我们对计算结果进行四舍五入，以得到一个干净的整数。
# calculated_epochs = round(total_iterations / (dataset_size / total_batch_size)) # 约等于 30

# 根据你的要求，我们将训练周期设置为 200 个 Epochs 以进行更充分的训练。
max_epochs = 200


# --- 第 3 部分: 模型配置 ---
# 在这里，我们对从 _base_ 继承来的模型定义进行微调。
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    # 关键修复: 显式地设置 `pretrained=None`。
    # 这解决了 "AssertionError: init_cfg and pretrained cannot be setting at the same time" 错误。
    # 它禁用了旧版的权重加载方式，确保只有新版的 `init_cfg` 方法生效。
    pretrained=None,
    data_preprocessor=data_preprocessor,
    backbone=dict(
        # `init_cfg` 是 MMEngine 推荐的权重初始化方式。
        # 这里，我们从 TorchVision 的模型库中加载在 ImageNet 上预训练好的 ResNet-50 权重。
        # 这是保证模型良好性能的至关重要的一步。
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    # 确保输出类别数与 PASCAL VOC 数据集匹配 (20个物体类别 + 1个背景类别)。
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21))


# --- 第 4 部分: 数据加载器 (Dataloader) 配置 ---
# 定义在训练、验证和测试过程中，数据如何被送入模型。
train_dataloader = dict(
    batch_size=samples_per_gpu,  # 使用上方定义的变量。
    num_workers=num_workers,     # 使用上方定义的变量。
    # `DefaultSampler` 是实现基于 Epoch 训练的关键。它确保每个 Epoch 中，
    # 数据集里的每张图片只被采样一次。`shuffle=True` 是训练时的标准做法。
    sampler=dict(type='DefaultSampler', shuffle=True))

val_dataloader = dict(
    batch_size=1,                # 验证时，通常一次只处理一张图片。
    num_workers=num_workers,
    sampler=dict(type='DefaultSampler', shuffle=False)) # 验证时无需打乱数据顺序。

# 在本配置中，测试数据加载器与验证数据加载器完全相同。
test_dataloader = val_dataloader


# --- 第 5 部分: 优化器与学习率策略 ---
# 本部分定义了优化器 (如 SGD, Adam) 以及学习率在训练过程中的变化方式。
optimizer = dict(type='SGD', lr=learning_rate, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)

# 学习率调度器 (Learning Rate Scheduler) 在训练中动态调整学习率。
param_scheduler = [
    dict(
        type='PolyLR',  # “多项式衰减”是一种常见且非常有效的学习率策略。
        eta_min=1e-4,   # 训练结束时学习率的最小值。
        power=0.9,      # 多项式函数的指数。
        begin=0,
        end=max_epochs, # 调度器将在整个训练周期 (0 到 max_epochs) 内生效。
        by_epoch=True)  # 关键参数: 必须为 True，以确保学习率按 Epoch 更新。
]


# --- 第 6 部分: 训练、验证与测试循环配置 ---
# 配置训练流程的整体控制逻辑。
train_cfg = dict(
    type='EpochBasedTrainLoop', # 指定训练由 Epoch 控制，而非迭代次数。
    max_epochs=max_epochs,      # 训练的总 Epoch 数。
    val_interval=1)             # 每训练 1 个 Epoch，进行一次验证。

val_cfg = dict(type='ValLoop')  # 使用标准的验证循环。
test_cfg = dict(type='TestLoop')# 使用标准的测试循环。


# --- 第 7 部分: 钩子 (Hooks) 配置 ---
# “钩子”是在训练循环的特定节点（如Epoch结束后、迭代前）执行的插件，用于执行特定操作。
default_hooks = dict(
    # 记录迭代耗时。
    timer=dict(type='IterTimerHook'),
    # 向控制台打印训练日志。`log_metric_by_epoch=True` 使指标（如mIoU）按 Epoch 聚合显示。
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    # 应用 `param_scheduler` 中定义的学习率变化。
    param_scheduler=dict(type='ParamSchedulerHook'),
    # 保存模型权重文件（checkpoint）。`by_epoch=True` 确保在 Epoch 结束时保存，与我们的设置保持一致。
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=10, max_keep_ckpts=3), # 每10个epoch保存一次，最多保留最近3个
    # 为分布式训练中的每个进程设置不同的随机种子。
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # (可选) 在训练过程中可视化分割结果，方便调试。
    visualization=dict(type='SegVisualizationHook'))
