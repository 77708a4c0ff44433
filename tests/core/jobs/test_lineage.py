"""A resume continues the run it was asked to continue: the checkpoints its own attempts wrote
(recorded from their logs), never another run's file in the same folder, and never a fork of a
job a later attempt already continues. A fresh launch into a folder holding a run is refused."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.jobs import JobError, JobState, Registry
from vocseg_tui.core.jobs.errors import WorkDirHoldsRun
from vocseg_tui.core.jobs.launch import LaunchRequest, prepare, resume
from vocseg_tui.core.jobs.lineage import lineage_checkpoint, refuse_forking
from vocseg_tui.core.jobs.registry import SCHEMA_VERSION, Job
from vocseg_tui.core.project import Project


def _checkpoint(path: Path) -> Path:
    """An intact checkpoint as the resume point sees it: a whole zip archive, like torch's."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"weights")
    return path


def _attempt(registry: Registry, work_dir: Path, epochs: range, state: JobState = JobState.STOPPED,
             parent: Job | None = None) -> Job:
    """A job that trained `epochs` into `work_dir`: its log says so and the files exist."""
    job = registry.add(name="run", config="/p/c.py", work_dir=str(work_dir), cwd="/p", backend="local",
                       state=state, parent_id=parent.id if parent else None,
                       attempt=parent.attempt + 1 if parent else 1)
    job.paths.create()
    lines = [f"Epoch(train) [{e}][13/13] loss: 1.0\nSaving checkpoint at {e} epochs\n" for e in epochs]
    job.log_path.write_text("".join(lines))
    for epoch in epochs:
        _checkpoint(work_dir / f"epoch_{epoch}.pth")
    return job


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """One work dir that several attempts (of one run or of two) train into."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_resume_picks_its_own_runs_checkpoint_not_the_older_runs_higher_epoch(work_dir: Path) -> None:
    registry = Registry()
    _attempt(registry, work_dir, range(1, 31), JobState.SUCCEEDED)  # the old 30-epoch run
    (work_dir / "last_checkpoint").write_text(str(work_dir / "epoch_30.pth"))
    new = _attempt(registry, work_dir, range(1, 8))  # a new run, stopped after epoch 7
    assert lineage_checkpoint(registry, new) == (work_dir / "epoch_7.pth").resolve()


def test_a_later_attempt_continues_from_the_newest_checkpoint_of_the_whole_lineage(work_dir: Path) -> None:
    registry = Registry()
    first = _attempt(registry, work_dir, range(1, 4))
    second = _attempt(registry, work_dir, range(4, 6), JobState.FAILED, parent=first)
    (work_dir / "epoch_5.pth").write_bytes(b"cut short by the crash")  # not a whole archive
    assert lineage_checkpoint(registry, second) == (work_dir / "epoch_4.pth").resolve()
    recorded = {Path(p).name for _, p, _ in registry.saved_by([first.id, second.id])}
    assert recorded == {"epoch_1.pth", "epoch_2.pth", "epoch_3.pth", "epoch_4.pth", "epoch_5.pth"}


def test_a_run_whose_log_names_no_save_resumes_from_its_folder_only_when_no_other_job_trained_there(
        work_dir: Path) -> None:
    """A log removed (or in another format) names no save: the folder's newest checkpoint is the
    run's when only its lineage ever trained there, and nothing is picked when another job did."""
    registry = Registry()
    alone = _attempt(registry, work_dir, range(1, 3))
    alone.log_path.write_text("the log of an older version, rotated away\n")
    assert lineage_checkpoint(registry, alone) == (work_dir / "epoch_2.pth").resolve()
    other = _attempt(registry, work_dir, range(1, 1))  # another run that trained in the same folder
    other.log_path.write_text("")
    assert lineage_checkpoint(registry, alone) is None


def test_a_job_already_resumed_is_not_forked(work_dir: Path) -> None:
    registry = Registry()
    first = _attempt(registry, work_dir, range(1, 3))
    second = _attempt(registry, work_dir, range(3, 4), JobState.SUCCEEDED, parent=first)
    with pytest.raises(JobError, match=rf"job {first.id} was already resumed as job {second.id} "
                                       rf"\(succeeded\); resume {second.id} instead") as caught:
        resume(first.id, registry)
    assert f"vocseg-tui resume {second.id}" in caught.value.hint
    assert [j.id for j in registry.all_jobs()] == [second.id, first.id], "nothing was launched"
    refuse_forking(registry, second)  # the newest attempt itself may be continued


def test_a_version_2_registry_gains_the_saved_table_in_place(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    Registry(path).add(name="j", config="/c.py", work_dir="/w", cwd="/", backend="local")
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE saved")
        db.execute("PRAGMA user_version = 2")
    registry = Registry(path)
    registry.record_saved(1, [("/w/epoch_1.pth", 1)])
    assert registry.saved_by([1]) == [(1, "/w/epoch_1.pth", 1)] and registry.get(1).name == "j"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_fresh_launch_into_a_work_dir_holding_a_run_is_refused_and_new_run_trains_beside_it(
        sample_project: Project) -> None:
    convert_like_voc_aug(sample_project)
    registry = Registry()
    work_dir = sample_project.work_dirs / "sample_tiny"
    work_dir.mkdir(parents=True)
    old = _attempt(registry, work_dir, range(1, 3), JobState.SUCCEEDED)
    request = LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root)
    with pytest.raises(WorkDirHoldsRun, match=rf"already holds job {old.id}'s run \(succeeded\)") as caught:
        prepare(request, registry, dry_run=True)
    assert "--resume" in caught.value.hint and "--new-run" in caught.value.hint
    assert caught.value.new_dir == work_dir.with_name("sample_tiny-2")
    request.new_run = True
    assert Path(prepare(request, registry, dry_run=True).spec.work_dir) == work_dir.with_name("sample_tiny-2")
    assert sorted(p.name for p in work_dir.glob("*.pth")) == ["epoch_1.pth", "epoch_2.pth"], "left as it was"
