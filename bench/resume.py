"""Benchmark: resuming an iteration-based config, ours (sampler level) vs stock mmengine.

Time from process start to the first new iteration (its batch in hand, `before_train_iter` of
iteration k) when resuming at an early and at a late iteration k, with mmseg's real VOC train
pipeline (pascal_voc12.py: RandomResize to 2048x512 x 0.5-2, RandomCrop 512, flip, photometric
distortion) on generated images of VOC's size (500x375), batch 4, 2 loader workers.
"ours" is tools/train.py; "stock" is mmseg's own tools/train.py on stock mmengine 0.10.7, with
only the checkpoint allow-list installed (torch >= 2.6 refuses its checkpoints otherwise).
The checkpoints are one real trained iteration whose meta says iteration k: what the resume
skips depends on k alone. Goal: ours late/early <= 1.2 while stock grows with k. Each figure is
the fastest of `--rounds` runs, interleaved (other load on the machine only ever adds time).

    .venv/bin/python bench/resume.py [--early 10] [--late 150] [--images 64] [--rounds 3]

The machine may be shared, so the figures are noisy; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = '''
import os, time
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

@HOOKS.register_module(force=True)
class FirstNewIterationHook(Hook):
    """Writes the wall time at the first iteration this process trains, then nothing."""
    def before_train_iter(self, runner, batch_idx, data_batch=None):
        path = os.environ["BENCH_FIRST_ITER"]
        if not os.path.exists(path):
            with open(path, "w") as out:
                out.write(f"{time.time()} {runner.iter}\\n")
'''

CONFIG = """
_base_ = ['mmseg::_base_/models/upernet_r50.py', 'mmseg::_base_/datasets/pascal_voc12.py',
          'mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['bench_probe'], allow_failed_imports=False)
custom_hooks = [dict(type='FirstNewIterationHook')]
crop_size = (512, 512)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size), pretrained=None,
    backbone=dict(type='ResNetV1c', depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=[16, 32, 64, 128], channels=32, num_classes=21, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, num_classes=21, norm_cfg=norm_cfg))
train_dataloader = dict(batch_size=4, num_workers=2, persistent_workers=True,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(data_root='{data_root}'))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=40000, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters}, val_interval=100000)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1),
                     logger=dict(type='LoggerHook', interval=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
"""

STOCK = ("from vocseg_tui.workers.checkpoint_io import install_allowlist; install_allowlist(); "
         "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def make_voc(root: Path, count: int) -> Path:
    """`count` VOC-sized JPEGs with blobby labels, laid out as VOC2012 (train.txt lists them all)."""
    import numpy as np
    from PIL import Image

    voc = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (voc / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    names = []
    for i in range(count):
        name = f"2007_{i:06d}"
        base = rng.integers(0, 255, (47, 63, 3), dtype=np.uint8)
        Image.fromarray(base).resize((500, 375), Image.BILINEAR).save(voc / "JPEGImages" / f"{name}.jpg",
                                                                       quality=90)
        label = np.zeros((375, 500), dtype=np.uint8)
        y, x = rng.integers(0, 250), rng.integers(0, 350)
        label[y:y + 120, x:x + 150] = rng.integers(1, 21)
        Image.fromarray(label).save(voc / "SegmentationClass" / f"{name}.png")
        names.append(name)
    (voc / "ImageSets" / "Segmentation" / "train.txt").write_text("\n".join(names) + "\n")
    return voc


def mmseg_train_script() -> Path:
    import mmseg

    return Path(mmseg.__file__).parent / ".mim" / "tools" / "train.py"


def train(work: Path, config: Path, args: list[str], stock: bool, first: int = 0) -> float:
    """Run one training process; seconds from its start to its first new iteration (`first`)."""
    marker = work / "first_iter.txt"
    marker.unlink(missing_ok=True)
    script = mmseg_train_script() if stock else ROOT / "tools" / "train.py"
    command = ([sys.executable, "-c", STOCK, str(script)] if stock else [sys.executable, str(script)])
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "BENCH_FIRST_ITER": str(marker),
           "PYTHONPATH": os.pathsep.join([str(work), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    started = time.time()
    done = subprocess.run([*command, str(config), *args], cwd=work, capture_output=True, text=True,
                          env=env, check=False, timeout=1200)
    if done.returncode != 0 or not marker.exists():
        raise SystemExit(f"training failed ({'stock' if stock else 'ours'} {args}):\n"
                         f"{(done.stdout + done.stderr)[-3000:]}")
    wall, iteration = marker.read_text().split()
    if int(iteration) != first:
        who = "stock" if stock else "ours"
        raise SystemExit(f"{who} {args}: trained iteration {iteration} first, not {first}")
    return float(wall) - started


def checkpoint_at(source: Path, k: int, target: Path) -> Path:
    """One real trained iteration, its meta saying iteration k (the resume skips k batches)."""
    import torch

    checkpoint = torch.load(source, map_location="cpu", weights_only=False)
    checkpoint["meta"]["iter"] = k
    path = target / f"iter_{k}.pth"
    torch.save(checkpoint, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--early", type=int, default=10)
    parser.add_argument("--late", type=int, default=150)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="each figure is the fastest of these")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-resume-") as tmp:
        work = Path(tmp)
        voc = make_voc(work / "data", args.images)
        (work / "bench_probe.py").write_text(PROBE)
        base = work / "iter_voc.py"
        base.write_text(CONFIG.format(data_root=voc, max_iters=1))
        train(work, base, ["--work-dir", str(work / "first")], stock=False)
        runs: dict[str, list[float]] = {}
        configs = {}
        for k in (args.early, args.late):
            configs[k] = work / f"iter_voc_{k}.py"
            configs[k].write_text(CONFIG.format(data_root=voc, max_iters=k + 1))
            checkpoint_at(work / "first" / "iter_1.pth", k, work)
        for round_ in range(args.rounds):  # interleaved, so a burst of load hits every figure alike
            for k in (args.early, args.late):
                checkpoint = work / f"iter_{k}.pth"
                for who in ("ours", "stock"):
                    # mmseg's own --resume takes no file: the stock run names it in the config.
                    resume = (["--resume", "--cfg-options", f"load_from={checkpoint}"] if who == "stock"
                              else ["--resume", str(checkpoint)])
                    seconds = train(work, configs[k], ["--work-dir", str(work / f"{who}_{k}_{round_}"),
                                                       *resume], stock=who == "stock", first=k)
                    runs.setdefault(f"{who}_{k}", []).append(seconds)
                    print(f"round {round_ + 1}: {who}: resume at iteration {k}: {seconds:.2f} s "
                          "to the first new iteration", flush=True)
    times = {key: min(values) for key, values in runs.items()}  # load on the machine only adds
    e, late = args.early, args.late
    print(json.dumps({
        "schema": 1,
        "early_iter": e, "late_iter": late, "batch": 4, "workers": 2, "image_size": [500, 375],
        "ours_early_s": round(times[f"ours_{e}"], 2), "ours_late_s": round(times[f"ours_{late}"], 2),
        "stock_early_s": round(times[f"stock_{e}"], 2), "stock_late_s": round(times[f"stock_{late}"], 2),
        "ours_late_over_early": round(times[f"ours_{late}"] / times[f"ours_{e}"], 3),
        "stock_late_over_early": round(times[f"stock_{late}"] / times[f"stock_{e}"], 3),
        "rounds": args.rounds, "runs_s": {key: [round(v, 2) for v in values] for key, values in runs.items()},
    }))


if __name__ == "__main__":
    main()
