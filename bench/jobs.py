"""Benchmark detached jobs on the sample recipe (CPU), in one run.

1. Training throughput through the supervisor vs `python tools/train.py` directly: mean seconds
   per training iteration from mmengine's own scalars.json (goal: ratio >= 0.98).
2. Resume latency, launch to the first new iteration, through the supervisor: epoch-based
   resume from epoch 1 vs from a late epoch (goal: flat), next to an iteration-based resume
   from an early vs a late iteration (tools/train.py resumes it at the sampler level; stock
   mmengine, which replays every trained batch, is measured by bench/resume.py).
3. The launch contract: how long `make_plan` takes for the N-GPU and the Slurm case (pure, run
   again by the supervisor at every real start), how long `launch()` takes to return (it waits
   until the supervisor started the training or said what it waits for), and a dry run (every
   check, the recipe's child process included, nothing started).

The machine is shared, so each figure is noisy; the last line is one JSON object.
    .venv/bin/python bench/jobs.py [--epochs 4] [--rounds 2]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.training import convert_like_voc_aug
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs import Registry
from vocseg_tui.core.jobs.command import TRAIN_SCRIPT
from vocseg_tui.core.jobs.launch import LaunchRequest, launch, prepare, stop
from vocseg_tui.core.jobs.plan import Allocation, LaunchSpec, make_plan
from vocseg_tui.core.project import Project
from vocseg_tui.core.sample import create_sample

ITERS_PER_EPOCH = 13
COMMON = ["default_hooks.logger.interval=1", "default_hooks.checkpoint.max_keep_ckpts=-1",
          "default_hooks.checkpoint.save_best=None", "train_cfg.val_interval=1000"]
ITER_CONFIG = """
_base_ = ['./sample_tiny.py']
max_iters = {iters}
train_dataloader = dict(sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=100000)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False)]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval={interval}, max_keep_ckpts=-1, save_best=None),
                     logger=dict(interval=1, log_metric_by_epoch=False))
log_processor = dict(by_epoch=False)
"""


def iteration_times(work_dir: Path) -> list[float]:
    times: list[float] = []
    for scalars in sorted(work_dir.glob("*/vis_data/scalars.json")):
        times += [json.loads(line)["time"] for line in scalars.read_text().splitlines() if '"lr"' in line]
    return times


def median_iter_s(work_dir: Path) -> float:
    """Median seconds per iteration (the median resists other users' bursts on a shared machine)."""
    times = sorted(iteration_times(work_dir)[3:])  # the first iterations warm up
    return times[len(times) // 2]


def wait_end(job_id: int, timeout: float = 300) -> str:
    registry = Registry()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = registry.get(job_id)
        if not job.state.is_active:
            return job.state.value
        time.sleep(0.1)
    raise SystemExit(f"job {job_id} did not end in {timeout}s")


LAUNCH_RETURNS_S: list[float] = []


def supervised(project: Project, config: str, work_dir: Path, options: list[str]) -> str:
    started = time.monotonic()
    job = launch(LaunchRequest(Path(config), project.root, work_dir=work_dir, cfg_options=options))
    LAUNCH_RETURNS_S.append(time.monotonic() - started)
    return wait_end(job.id)


def plan_us(spec: LaunchSpec, rounds: int = 2000) -> float:
    """Median microseconds of one make_plan."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        make_plan(spec)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2] * 1e6


def contract_figures(project: Project, config: str) -> dict[str, float]:
    base = {"config": "/p/c.py", "work_dir": "/p/w", "cwd": "/p", "job_id": 1, "port": 29400}
    gpus = LaunchSpec(**base, devices=DeviceChoice(tuple(range(8)), tuple(f"GPU-{i}" for i in range(8))))
    slurm = LaunchSpec(**base, allocation=Allocation(nodes=4, gpus_per_node=8, cpus_per_task=8,
                                                     directives={"time": "24:00:00"}))
    started = time.monotonic()
    prepare(LaunchRequest(Path(config), project.root, work_dir=project.work_dirs / "dry"), dry_run=True)
    return {"plan_8_gpus_us": round(plan_us(gpus), 1), "plan_slurm_4x8_us": round(plan_us(slurm), 1),
            "dry_run_s": round(time.monotonic() - started, 2),
            "launch_returns_s": round(min(LAUNCH_RETURNS_S), 2)}


def resume_latency(project: Project, config: str, work_dir: Path, checkpoint: Path,
                   options: list[str]) -> float:
    """Seconds from launch to the first training line of the resumed run's scalars.json."""
    before = set(work_dir.glob("*/vis_data/scalars.json"))
    started = time.monotonic()
    job = launch(LaunchRequest(Path(config), project.root, work_dir=work_dir, resume_from=checkpoint,
                               cfg_options=options))
    while True:
        fresh = set(work_dir.glob("*/vis_data/scalars.json")) - before
        if fresh and '"lr"' in next(iter(fresh)).read_text():
            latency = time.monotonic() - started
            break
        if not Registry().get(job.id).state.is_active:
            raise SystemExit(f"resume job {job.id} ended early: {Registry().get(job.id).failure}")
        time.sleep(0.02)
    stop(job.id)
    wait_end(job.id)
    return latency


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    epochs = args.epochs
    with tempfile.TemporaryDirectory(prefix="vocseg-bench-jobs-") as tmp:
        os.environ["VOCSEG_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
        project = Project.open(create_sample(Path(tmp) / "sample").root)
        convert_like_voc_aug(project)
        options = [f"train_cfg.max_epochs={epochs}", *COMMON]
        config = "configs/sample_tiny.py"

        # Alternate direct and supervised runs so other users' load hits both alike; best of each.
        direct: list[float] = []
        through: list[float] = []
        for round_ in range(args.rounds):
            direct_dir = project.work_dirs / f"direct{round_}"
            subprocess.run([sys.executable, str(TRAIN_SCRIPT), config, "--work-dir", str(direct_dir),
                            "--cfg-options", *options], cwd=project.root, check=True, capture_output=True)
            direct.append(median_iter_s(direct_dir))
            sup_dir = project.work_dirs / f"supervised{round_}"
            assert supervised(project, config, sup_dir, options) == "succeeded"
            through.append(median_iter_s(sup_dir))
        direct_s, supervised_s = min(direct), min(through)
        print("throughput, median ms/iter per run: direct " + ", ".join(f"{d * 1000:.1f}" for d in direct)
              + "; supervised " + ", ".join(f"{t * 1000:.1f}" for t in through))

        late = epochs - 1
        epoch_early = resume_latency(project, config, sup_dir, sup_dir / "epoch_1.pth", options)
        epoch_late = resume_latency(project, config, sup_dir, sup_dir / f"epoch_{late}.pth", options)
        print(f"epoch-based resume: from epoch 1 {epoch_early:.2f}s, from epoch {late} {epoch_late:.2f}s")

        iters = epochs * ITERS_PER_EPOCH
        (project.configs_dir / "bench_iter.py").write_text(
            ITER_CONFIG.format(iters=iters, interval=ITERS_PER_EPOCH))
        iter_dir = project.work_dirs / "iter"
        assert supervised(project, "configs/bench_iter.py", iter_dir, []) == "succeeded"
        late_iter = late * ITERS_PER_EPOCH
        iter_early = resume_latency(project, "configs/bench_iter.py", iter_dir,
                                    iter_dir / f"iter_{ITERS_PER_EPOCH}.pth", [])
        iter_late = resume_latency(project, "configs/bench_iter.py", iter_dir,
                                   iter_dir / f"iter_{late_iter}.pth", [])
        print(f"iteration-based resume (sampler level): from iter {ITERS_PER_EPOCH} {iter_early:.2f}s, "
              f"from iter {late_iter} {iter_late:.2f}s")
        contract = contract_figures(project, config)
    print(json.dumps({
        "direct_ms_per_iter": round(direct_s * 1000, 2),
        "supervised_ms_per_iter": round(supervised_s * 1000, 2),
        "throughput_ratio": round(direct_s / supervised_s, 3),
        "epoch_resume_from_1_s": round(epoch_early, 2),
        f"epoch_resume_from_{late}_s": round(epoch_late, 2),
        "epoch_resume_late_over_early": round(epoch_late / epoch_early, 3),
        f"iter_resume_from_{ITERS_PER_EPOCH}_s": round(iter_early, 2),
        f"iter_resume_from_{late_iter}_s": round(iter_late, 2),
        "iter_resume_late_over_early": round(iter_late / iter_early, 3),
        **contract,
    }))


if __name__ == "__main__":
    main()
