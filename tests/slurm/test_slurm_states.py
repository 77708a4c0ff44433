"""Slurm's words mapped onto the states a user sees, and the batch script a user can read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vocseg_tui.core.jobs.paths import STOP_FILE_ENV, JobPaths
from vocseg_tui.core.jobs.states import STOPPED_EXIT, JobState
from vocseg_tui.core.slurm.batch import BatchSpec, batch_script, time_limit_s
from vocseg_tui.core.slurm.states import SlurmStatus, to_local

AFTER_EPOCH = "stopped after an epoch"


@pytest.mark.parametrize(("status", "marker", "state", "text"), [
    (SlurmStatus("PENDING", "Resources"), False, JobState.QUEUED, "Slurm: Resources"),
    (SlurmStatus("RUNNING", "None"), False, JobState.RUNNING, ""),
    (SlurmStatus("COMPLETED", "None", 0), False, JobState.SUCCEEDED, ""),
    (SlurmStatus("COMPLETED", "None", 0), True, JobState.STOPPED, "stopped after an epoch"),
    (SlurmStatus("FAILED", "NonZeroExitCode", STOPPED_EXIT), False, JobState.STOPPED, AFTER_EPOCH),
    (SlurmStatus("FAILED", "NonZeroExitCode", 3), False, JobState.FAILED, "Slurm: FAILED (exit 3)"),
    (SlurmStatus("CANCELLED by 0", "", 0), False, JobState.STOPPED, "cancelled in Slurm"),
    (SlurmStatus("TIMEOUT", "TimeLimit", 0), False, JobState.FAILED,
     "Slurm ended the job: TIMEOUT (TimeLimit)"),
    (SlurmStatus("PREEMPTED", "", 0), False, JobState.FAILED, "Slurm ended the job: PREEMPTED"),
    (SlurmStatus("NODE_FAIL", "", 0), False, JobState.FAILED, "Slurm ended the job: NODE_FAIL"),
])
def test_slurm_states_map_onto_local_states(status: SlurmStatus, marker: bool, state: JobState,
                                            text: str) -> None:
    assert to_local(status, marker, STOPPED_EXIT) == (state.value, text)


def test_batch_script_names_the_options_and_turns_usr1_into_the_stop_file(tmp_path: Path) -> None:
    paths = JobPaths(tmp_path / "work", 7)
    command = ("srun", sys.executable, "tools/train.py", "c.py", "--launcher", "slurm")
    script = batch_script(BatchSpec(
        name="tiny", log=str(paths.log), cwd=str(tmp_path), task=command,
        stop_request=str(paths.stop_after_epoch_request), time_limit_marker=str(paths.time_limit_marker),
        nodes=2, tasks_per_node=4, gpus_per_node=4, directives={"partition": "gpu", "time": "01:00:00"},
        exports={"PYTHONUNBUFFERED": "1", STOP_FILE_ENV: str(paths.stop_after_epoch_request)}))
    for line in ("#SBATCH --partition=gpu", "#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=4",
                 "#SBATCH --gpus-per-node=4", "#SBATCH --time=01:00:00", f"#SBATCH --output={paths.log}",
                 f"export {STOP_FILE_ENV}={paths.stop_after_epoch_request}",
                 f"trap 'touch {paths.stop_after_epoch_request}' USR1",
                 "#SBATCH --signal=B:USR1@360"):  # a tenth of the hour before the limit
        assert line in script.splitlines()
    assert f"srun {sys.executable} tools/train.py c.py --launcher slurm &" in script


def test_time_limits_are_read_like_slurm_writes_them() -> None:
    assert time_limit_s("02:00:00") == 7200
    assert time_limit_s("1-00:30:00") == 86400 + 1800
    assert time_limit_s("two hours") is None


def test_a_slurm_job_read_where_slurm_is_missing_keeps_its_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vocseg_tui.core.jobs import Registry
    from vocseg_tui.core.jobs.status import list_jobs

    registry = Registry()
    job = registry.add(name="far", config="c.py", work_dir=str(tmp_path), cwd=str(tmp_path), backend="slurm",
                       state=JobState.RUNNING, backend_data={"slurm_job_id": "41"})
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch/squeue/scontrol here
    assert [(j.id, j.state) for j in list_jobs(registry)] == [(job.id, JobState.RUNNING)]
