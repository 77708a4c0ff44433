"""The retry policy acts for real: a crash worth retrying starts a resumed attempt, once per retry."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.waiting import wait_until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.workers.supervisor import Supervisor


def _failed_job(registry: Registry, work_dir: Path, **values: object) -> int:
    work_dir.mkdir(parents=True)
    with zipfile.ZipFile(work_dir / "epoch_2.pth", "w") as archive:
        archive.writestr("archive/data.pkl", b"x")
    job = registry.add(name="j", config=str(work_dir / "missing_config.py"), work_dir=str(work_dir),
                       cwd=str(work_dir), backend="local", state=JobState.FAILED, **values)
    job.paths.create()  # its log says it wrote the file: a retry continues this job's own run
    job.log_path.write_text("Epoch(train) [2][13/13] loss: 1.0\nSaving checkpoint at 2 epochs\n")
    return job.id


@pytest.mark.slow
def test_a_killed_job_with_retries_left_is_resumed_as_a_new_attempt(tmp_path: Path) -> None:
    registry = Registry()
    job_id = _failed_job(registry, tmp_path / "w", max_retries=1)
    supervisor = Supervisor(registry, registry.get(job_id), tee=False)
    supervisor.maybe_retry("killed", 9)
    [child] = registry.children(job_id)
    assert child.attempt == 2 and child.parent_id == job_id
    assert Path(child.resume_from) == (tmp_path / "w" / "epoch_2.pth").resolve()
    assert "--resume" in child.command and child.resume_from in child.command
    # Its config does not exist, so the attempt fails for good: that failure is not retried.
    wait_until(lambda: not registry.get(child.id).state.is_active, 60, f"attempt {child.id} ending")
    assert registry.get(child.id).state is JobState.FAILED
    assert registry.children(child.id) == []


def test_no_retry_without_retries_left_or_for_a_config_error(tmp_path: Path) -> None:
    registry = Registry()
    spent = _failed_job(registry, tmp_path / "a", max_retries=1, attempt=2)
    Supervisor(registry, registry.get(spent), tee=False).maybe_retry("killed", 9)
    config_error = _failed_job(registry, tmp_path / "b", max_retries=3)
    Supervisor(registry, registry.get(config_error), tee=False).maybe_retry("traceback", None)
    assert registry.children(spent) == [] and registry.children(config_error) == []
