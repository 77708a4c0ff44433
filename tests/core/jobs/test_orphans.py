"""A training that outlives its supervisor (the way an older version, started without
PR_SET_PDEATHSIG, left one) reads `orphaned`, `stop` ends it, and nothing resumes over it.

The "training" is a real process whose command line names its work dir the way tools/train.py's
does; its supervisor is a real process killed with SIGKILL, so the training is re-parented to
init exactly as after a crash.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.core.jobs.helpers import cli
from tests.waiting import wait_until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import is_alive, start_time, trainings_in

OLD_SUPERVISOR = textwrap.dedent("""
    import subprocess, sys, time
    training = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "tools/train.py",
                                 sys.argv[1], "--work-dir", sys.argv[2]], start_new_session=True)
    print(training.pid, flush=True)
    time.sleep(600)
""")
"""A supervisor as it was before PR_SET_PDEATHSIG: its training does not die with it."""


class Orphan:
    """A registered `running` job whose supervisor was SIGKILLed while its training runs on."""

    def __init__(self, registry: Registry, work_dir: Path) -> None:
        work_dir.mkdir(parents=True)
        config = work_dir.parent / "configs" / "sample_tiny.py"
        supervisor = subprocess.Popen([sys.executable, "-c", OLD_SUPERVISOR, str(config), str(work_dir)],
                                      stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert supervisor.stdout is not None
        self.pid = int(supervisor.stdout.readline())
        self.started = start_time(self.pid)
        self.job = registry.add(name="sample_tiny", config=str(config), work_dir=str(work_dir),
                                cwd=str(work_dir.parent), backend="local", state=JobState.RUNNING,
                                supervisor_pid=supervisor.pid, supervisor_started=start_time(supervisor.pid),
                                train_pid=self.pid, train_started=self.started)
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait()

    def running(self) -> bool:
        return is_alive(self.pid, self.started)

    def end(self) -> None:
        if self.running():
            psutil.Process(self.pid).kill()


@pytest.fixture
def orphan(tmp_path: Path) -> Iterator[Orphan]:
    made = Orphan(Registry(), tmp_path / "work_dirs" / "sample_tiny")
    yield made
    made.end()


def test_a_lost_supervisors_training_reads_orphaned_and_stop_ends_it(orphan: Orphan, tmp_path: Path) -> None:
    job_id = orphan.job.id
    listed = {row["id"]: row for row in json.loads(cli("jobs", "--json", cwd=tmp_path).stdout)}
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
    return [str(row["state"]) for row in json.loads(cli("jobs", "--json", cwd=cwd).stdout)]
