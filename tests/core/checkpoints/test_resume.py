"""Resume from a chosen checkpoint: a new registry job whose training continues from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.core.jobs.orphan import Orphan
from tests.training import TrainedRun
from tests.waiting import wait_until
from vocseg_tui.core.checkpoints import CheckpointError, scan_run
from vocseg_tui.core.checkpoints.resume import resume_from_checkpoint
from vocseg_tui.core.jobs import JobState, LaunchRefused, Registry
from vocseg_tui.core.jobs.status import get_job


@pytest.fixture
def run_dir(trained_sample: TrainedRun, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    return root / "work_dirs/sample_tiny"


@pytest.mark.slow
def test_resume_from_epoch_2_trains_epoch_3_again_from_it(run_dir: Path) -> None:
    run = scan_run(run_dir)
    chosen = next(c for c in run.checkpoints if c.name == "epoch_2.pth")
    before = (run_dir / "epoch_3.pth").stat().st_mtime_ns
    registry = Registry()
    job = resume_from_checkpoint(run, chosen, registry=registry)
    assert job.resume_from == str(chosen.path.resolve())
    assert job.command[job.command.index("--resume") + 1] == str(chosen.path.resolve())
    wait_until(lambda: not get_job(registry, job.id).state.is_active, 180, f"job {job.id} ending",
               interval=0.5)
    done = get_job(registry, job.id)
    log = done.log_path.read_text(errors="replace")
    assert done.state is JobState.SUCCEEDED, log[-3000:]
    assert "resumed epoch: 2" in log
    assert (run_dir / "epoch_3.pth").stat().st_mtime_ns > before
    # the run now lists the job, so a later resume is its next attempt
    again = scan_run(run_dir, job_ids=(done.id,))
    assert again.job_ids == (done.id,)


@pytest.mark.slow
def test_best_and_damaged_checkpoints_are_refused_and_nothing_is_registered(run_dir: Path) -> None:
    run = scan_run(run_dir)
    best = run.best
    assert best is not None
    with pytest.raises(CheckpointError, match="optimizer"):
        resume_from_checkpoint(run, best)
    data = (run_dir / "epoch_1.pth").read_bytes()
    (run_dir / "epoch_1.pth").write_bytes(data[:2000])
    damaged = next(c for c in scan_run(run_dir).checkpoints if c.name == "epoch_1.pth")
    with pytest.raises(CheckpointError, match="damaged"):
        resume_from_checkpoint(run, damaged)
    assert Registry().all_jobs() == []


@pytest.mark.slow
def test_resume_is_refused_while_an_orphaned_training_still_writes_the_run(run_dir: Path) -> None:
    """The Checkpoints area asks the same work-dir check as every launch: an orphan (its
    supervisor killed, its training on) blocks it, naming the training and the way to stop it."""
    orphan = Orphan(Registry(), run_dir.resolve(), run_dir / "sample_tiny.py", run_dir.parents[1])
    try:
        run = scan_run(run_dir)
        chosen = next(c for c in run.checkpoints if c.name == "epoch_2.pth")
        with pytest.raises(LaunchRefused, match=rf"a training \(pid {orphan.pid}\) still writes") as refused:
            resume_from_checkpoint(run, chosen)
        assert refused.value.hint == f"vocseg-tui stop {orphan.job.id}"
        assert len(Registry().all_jobs()) == 1, "nothing was registered"
    finally:
        orphan.end()
