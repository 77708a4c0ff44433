"""`train` into a work dir that holds another run: refused with exit 2 and the ways out;
`--new-run` trains beside it; `resume` of a job already resumed points at the newest attempt."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.cli import main
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import Project


def _old_run(project: Project) -> Path:
    work_dir = project.work_dirs / "sample_tiny"
    work_dir.mkdir(parents=True)
    with zipfile.ZipFile(work_dir / "epoch_30.pth", "w") as archive:
        archive.writestr("archive/data.pkl", b"weights")
    (work_dir / "last_checkpoint").write_text(str(work_dir / "epoch_30.pth"))
    return work_dir


def test_train_into_a_work_dir_holding_a_run_exits_2_with_the_ways_out(
        sample_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    convert_like_voc_aug(sample_project)
    work_dir = _old_run(sample_project)
    root = str(sample_project.root)
    for dry in ([], ["--dry-run"]):
        assert main(["--project", root, "train", "configs/sample_tiny.py", *dry]) == 2
        err = capsys.readouterr().err
        assert f"error: work dir {work_dir} already holds another run: epoch_30.pth, last_checkpoint" in err
        assert "hint:" in err and "--resume" in err and "--work-dir DIR" in err and "--new-run" in err
    assert Registry().all_jobs() == []

    assert main(["--project", root, "train", "configs/sample_tiny.py", "--new-run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"--work-dir {work_dir.with_name('sample_tiny-2')} " in out
    assert main(["--project", root, "train", "configs/sample_tiny.py", "--new-run", "--resume"]) == 2
    assert "--new-run starts a new run, --resume continues one" in capsys.readouterr().err


def test_resume_of_a_job_already_resumed_exits_2_naming_the_newest_attempt(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    registry = Registry()
    first = registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                         state=JobState.STOPPED)
    second = registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                          state=JobState.FAILED, parent_id=first.id, attempt=2)
    third = registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                         state=JobState.SUCCEEDED, parent_id=second.id, attempt=3)
    assert main(["resume", str(first.id)]) == 2
    err = capsys.readouterr().err
    assert (f"error: job {first.id} was already resumed as job {third.id} (succeeded); "
            f"resume {third.id} instead") in err
    assert len(registry.all_jobs()) == 3
