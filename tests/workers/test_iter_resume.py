"""Iteration-based runs resume at the sampler level (issue 20), for real on CPU.

A stock-mmengine run (mmseg's own tools/train.py) of an iteration-based config trains 24
iterations and saves at 18; our tools/train.py resumes from its iter_18.pth. The images each
iteration trains on after the resume must be those the uninterrupted run trained on (18 x 2
samples cross the 26-image permutation), with 0 and 2 loader workers, and with 2 gloo ranks; and
the resume must not load the 36 samples already trained."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug, mmseg_tool
from vocseg_tui.core.jobs.progress import stop_point
from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import STOPPED_EXIT, JobState
from vocseg_tui.core.project import Project

pytestmark = pytest.mark.xdist_group("iter-resume")  # its module-scoped fixture is built once, in one worker

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "tools" / "train.py"
ITERS, AT, BATCH = 24, 18, 2

ITER_CONFIG = f"""
_base_ = ['./sample_tiny.py']
custom_imports = dict(imports=['tests.workers.index_probe'], allow_failed_imports=False)
custom_hooks = [dict(type='RecordIndicesHook')]
train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters={ITERS}, val_interval=1000)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end={ITERS}, by_epoch=False)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=6, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval={AT}, save_best=None,
                    max_keep_ckpts=3))
log_processor = dict(by_epoch=False)
"""


def seen(path: Path) -> dict[tuple[int, int], str]:
    """(rank, iteration) -> the batch's image names."""
    rows = [line.split() for line in path.read_text().splitlines()]
    return {(int(rank), int(it)): names for rank, it, names in rows}


def run(project: Project, command: list[str], probe: str) -> tuple[dict[tuple[int, int], str], int, str]:
    seen_file, loads_file = project.root / f"{probe}.seen", project.root / f"{probe}.loads"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "VOCSEG_PROBE_SEEN": str(seen_file),
           "VOCSEG_PROBE_LOADS": str(loads_file),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, cwd=project.root, capture_output=True, text=True, check=False,
                          timeout=300, env=env)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    return seen(seen_file), len(loads_file.read_text().splitlines()), log


@pytest.fixture(scope="module")
def stock_run(tmp_path_factory: pytest.TempPathFactory, pristine_sample: Path) -> Project:
    """The uninterrupted reference, trained by stock mmengine (it also saves iter_18.pth)."""
    root = tmp_path_factory.mktemp("iter") / "sample"
    shutil.copytree(pristine_sample, root)
    project = Project.open(root)
    convert_like_voc_aug(project)
    (root / "configs" / "iter_tiny.py").write_text(ITER_CONFIG)
    tiny = root / "configs" / "sample_tiny.py"  # every sample loaded is recorded first
    recorded = "train_pipeline = [\n    dict(type='RecordLoad'),\n"
    tiny.write_text(tiny.read_text().replace("train_pipeline = [\n", recorded, 1))
    run(project, [sys.executable, str(mmseg_tool("train.py")), "configs/iter_tiny.py",
                  "--work-dir", "work_dirs/stock"], "stock")
    return project


def copy_of(stock_run: Project, tmp_path: Path) -> Project:
    root = tmp_path / "sample"
    shutil.copytree(stock_run.root, root)
    return Project.open(root)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [0, 2])
def test_resume_of_a_stock_checkpoint_trains_what_the_uninterrupted_run_did(
        stock_run: Project, tmp_path: Path, workers: int) -> None:
    project = copy_of(stock_run, tmp_path)
    reference = seen(project.root / "stock.seen")
    after, loads, log = run(project, [
        sys.executable, str(TRAIN), "configs/iter_tiny.py", "--work-dir", "work_dirs/ours",
        "--resume", "work_dirs/stock/iter_18.pth",
        "--cfg-options", f"train_dataloader.num_workers={workers}",
        f"train_dataloader.persistent_workers={workers > 0}"], "ours")
    assert "train_cfg.type IterBasedTrainLoop -> ResumableIterBasedTrainLoop" in log
    assert "resume: the sampler starts at iteration 18" in log
    assert sorted(after) == [(0, i) for i in range(AT, ITERS)]
    assert after == {key: names for key, names in reference.items() if key[1] >= AT}
    # Stock mmengine loads the 36 trained samples again; only the 12 new ones (and the
    # loaders' prefetch: 2 batches per worker, at the start and past the end) are loaded here.
    prefetch = 2 * max(workers, 1) * BATCH
    assert loads <= (ITERS - AT) * BATCH + 2 * prefetch < AT * BATCH, loads


@pytest.mark.slow
def test_two_gloo_ranks_resume_where_each_rank_was(stock_run: Project, tmp_path: Path) -> None:
    project = copy_of(stock_run, tmp_path)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                "--master_port", "29731", str(TRAIN), "configs/iter_tiny.py", "--launcher", "pytorch",
                "--cfg-options", "train_dataloader.num_workers=0"]
    whole, _, _ = run(project, [*torchrun[:9], "--work-dir", "work_dirs/two", *torchrun[9:]], "two")
    after, loads, log = run(project, [*torchrun[:9], "--work-dir", "work_dirs/again",
                                      "--resume", "work_dirs/two/iter_18.pth", *torchrun[9:]], "again")
    assert "resume: the sampler starts at iteration 18" in log
    assert sorted(after) == [(rank, i) for rank in (0, 1) for i in range(AT, ITERS)]
    assert after == {key: names for key, names in whole.items() if key[1] >= AT}
    assert whole[(0, 0)] != whole[(1, 0)]  # each rank its own slice of the permutation
    assert loads < 2 * AT * BATCH


@pytest.mark.slow
def test_a_stop_request_stops_an_iteration_based_run_at_its_next_checkpoint(
        stock_run: Project, tmp_path: Path) -> None:
    """An iteration-based run is one big epoch: "stop after this epoch" would never come."""
    project = copy_of(stock_run, tmp_path)
    request = tmp_path / "stop_after_epoch"
    request.write_text("stop after epoch\n")
    marker = tmp_path / "stopped"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "VOCSEG_STOP_FILE": str(request),
           "VOCSEG_STOPPED_MARKER": str(marker),
           "VOCSEG_PROBE_SEEN": str(tmp_path / "seen"), "VOCSEG_PROBE_LOADS": str(tmp_path / "loads"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(TRAIN), "configs/iter_tiny.py", "--work-dir", "work_dirs/stop",
                           "--cfg-options", "default_hooks.checkpoint.interval=6"],
                          cwd=project.root, capture_output=True, text=True, check=False, timeout=300, env=env)
    log = done.stdout + done.stderr
    assert done.returncode == STOPPED_EXIT, log[-3000:]
    assert "stop requested: saved iter_6.pth; stopping at iteration 6" in log
    work_dir = project.root / "work_dirs" / "stop"
    assert (work_dir / "last_checkpoint").read_text().endswith("iter_6.pth")
    assert max(it for _, it in seen(tmp_path / "seen")) == 5  # iterations 0-5 trained, no more
    assert marker.read_text() == "iter 6\n"  # Slurm's continuation says "stopped at iteration 6"
    job = Job(id=1, name="iter", config="configs/iter_tiny.py", work_dir=str(work_dir),
              cwd=str(project.root), backend="local", state=JobState.RUNNING)
    assert stop_point(job) == "at the next checkpoint"  # what the Jobs screen and the CLI say
    epochs = replace(job, config="configs/sample_tiny.py", work_dir=str(stock_run.root / "nowhere"))
    assert stop_point(epochs) == "after this epoch (checkpoint first)"


@pytest.mark.slow
def test_a_run_without_a_seed_resumes_in_its_own_order(stock_run: Project, tmp_path: Path) -> None:
    """No seed in the config: each process draws one. Stock mmengine builds the sampler with the
    new process's seed (another order); ours takes the seed the checkpoint recorded."""
    project = copy_of(stock_run, tmp_path)
    ours = [sys.executable, str(TRAIN), "configs/iter_tiny.py"]
    unseeded = ["--cfg-options", "randomness.seed=None"]
    whole, _, _ = run(project, [*ours, "--work-dir", "work_dirs/free", *unseeded], "free")
    after, _, _ = run(project, [*ours, "--work-dir", "work_dirs/again", "--resume",
                                "work_dirs/free/iter_18.pth", *unseeded], "again")
    assert after == {key: names for key, names in whole.items() if key[1] >= AT}


def test_an_unchanged_zoo_config_gets_the_resumable_loop_and_sampler() -> None:
    import mmseg
    from mmengine.config import Config

    from vocseg_tui.workers.iter_resume import install

    zoo = Path(mmseg.__file__).parent / ".mim" / "configs" / "upernet"
    cfg = Config.fromfile(str(zoo / "upernet_r50_4xb4-40k_voc12aug-512x512.py"))
    assert install(cfg) == [
        "iteration-based run: train_cfg.type IterBasedTrainLoop -> ResumableIterBasedTrainLoop "
        "(resumes at the sampler level, no trained batch loaded again)",
        "iteration-based run: train_dataloader.sampler.type InfiniteSampler -> ResumableInfiniteSampler"]
    assert cfg.train_cfg.type == "ResumableIterBasedTrainLoop" and cfg.train_cfg.max_iters == 40000
    assert cfg.train_dataloader.sampler.type == "ResumableInfiniteSampler"
    epochs = Config.fromfile(str(ROOT / "configs" / "sample_tiny.py"))
    assert install(epochs) == [] and epochs.train_cfg.type == "EpochBasedTrainLoop"
