"""A training that outlives its supervisor (the way an older version, started without
PR_SET_PDEATHSIG, left one: tests/core/jobs/orphan.py) reads `orphaned`, `stop` ends it, and
nothing resumes or launches over it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli
from tests.core.jobs.orphan import Orphan
from tests.waiting import wait_until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import trainings_in


@pytest.fixture
def orphan(tmp_path: Path) -> Iterator[Orphan]:
    made = Orphan(Registry(), tmp_path / "work_dirs" / "sample_tiny", tmp_path / "configs" / "sample_tiny.py",
                  tmp_path)
    yield made
    made.end()


def test_a_lost_supervisors_training_reads_orphaned_and_stop_ends_it(orphan: Orphan, tmp_path: Path) -> None:
    job_id = orphan.job.id
    listed = {row["id"]: row for row in json.loads(cli("jobs", "--json", cwd=tmp_path).stdout)["jobs"]}
    assert listed[job_id]["state"] == "orphaned" and listed[job_id]["pid"] == orphan.pid
    text = cli("jobs", cwd=tmp_path).stdout
    assert "orphaned" in text and f"still training (pid {orphan.pid})" in text
    assert f"vocseg-tui stop {job_id}" in text

    stopped = cli("stop", str(job_id), cwd=tmp_path)
    assert "orphaned training was stopped" in stopped.stdout
    wait_until(lambda: not orphan.running(), 20, f"the orphaned training (pid {orphan.pid}) ending")
    job = Registry().get(job_id)
    assert job.state is JobState.STOPPED and job.ended_at and job.signal == signal.SIGTERM
    assert cli("jobs", "--json", cwd=tmp_path).stdout.count('"stopped"') >= 1


def test_resume_and_train_are_refused_while_an_orphan_still_writes_the_work_dir(
        orphan: Orphan, tmp_path: Path) -> None:
    job_id, work_dir = orphan.job.id, Path(orphan.job.work_dir)
    (work_dir / "epoch_1.pth").write_bytes(b"")  # something to resume from: never reached
    refused = cli("resume", str(job_id), cwd=tmp_path, check=False)
    assert refused.returncode == 2, refused.stderr
    assert f"error: a training (pid {orphan.pid}) still writes {work_dir}" in refused.stderr
    assert f"hint: vocseg-tui stop {job_id}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert len(Registry().all_jobs()) == 1, "nothing was registered"

    train = cli("train", "configs/sample_tiny.py", "--work-dir", str(work_dir), "--resume", cwd=tmp_path,
                check=False)
    assert train.returncode == 2 and f"a training (pid {orphan.pid}) still writes" in train.stderr


def test_a_lost_record_with_no_live_pid_still_guards_its_work_dir(orphan: Orphan, tmp_path: Path) -> None:
    """torchrun's workers outlive a killed agent in sessions of their own: the recorded pid is
    gone, yet a process still trains there, found by the work dir on its command line."""
    registry = Registry()
    registry.update(orphan.job.id, train_pid=None, train_started=None)
    assert states(tmp_path) == ["lost"]
    assert trainings_in(Path(orphan.job.work_dir)) == [orphan.pid]
    refused = cli("resume", str(orphan.job.id), cwd=tmp_path, check=False)
    assert refused.returncode == 2 and f"hint: vocseg-tui stop {orphan.job.id}" in refused.stderr
    cli("stop", str(orphan.job.id), cwd=tmp_path)
    wait_until(lambda: not orphan.running(), 20, "the leftover training ending")
    assert trainings_in(Path(orphan.job.work_dir)) == []


def test_an_orphan_that_ends_on_its_own_reads_lost_again(orphan: Orphan, tmp_path: Path) -> None:
    assert states(tmp_path) == ["orphaned"]
    orphan.end()
    wait_until(lambda: not orphan.running(), 20, "the orphan ending")
    assert states(tmp_path) == ["lost"]
    assert Registry().get(orphan.job.id).ended_at


def states(cwd: Path) -> list[str]:
    """The jobs' states as `vocseg-tui jobs --json` lists them."""
    return [str(row["state"]) for row in json.loads(cli("jobs", "--json", cwd=cwd).stdout)["jobs"]]


def test_a_training_is_found_by_its_work_dir_relative_or_absolute_and_no_other(tmp_path: Path) -> None:
    """A training started by hand from the project (`--work-dir work_dirs/x`) guards its work dir
    as much as ours (absolute); a training of another work dir does not."""
    work_dir = (tmp_path / "work_dirs" / "x").resolve()
    work_dir.mkdir(parents=True)
    idle = [sys.executable, "-c", "import signal; signal.pause()", "tools/train.py", "configs/x.py"]
    by_hand = subprocess.Popen([*idle, "--work-dir", "work_dirs/x"], cwd=tmp_path)
    ours = subprocess.Popen([*idle, f"--work-dir={work_dir}"], cwd="/")
    other = subprocess.Popen([*idle, "--work-dir", "work_dirs/y"], cwd=tmp_path)
    try:
        wait_until(lambda: trainings_in(work_dir) == sorted([by_hand.pid, ours.pid]), 10,
                   "both trainings of work_dirs/x found")
    finally:
        for process in (by_hand, ours, other):
            process.kill()
            process.wait()
    assert trainings_in(work_dir) == []
