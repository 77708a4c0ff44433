"""The progress label of a job, read from the tail of a real mmengine log.

mmengine logs every 5th iteration of the sample's 13-iteration epochs and skips the rest, so
the last training line of every epoch reads 10/13; the label says 13/13 once the epoch's
checkpoint or validation followed it, or the job succeeded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.progress import read_progress

RUN_LOG = (Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "mmengine_run.log") \
    .read_text().splitlines(keepends=True)


def _through(text: str) -> list[str]:
    """The log up to and including the first line holding `text`."""
    return RUN_LOG[: next(n for n, line in enumerate(RUN_LOG) if text in line) + 1]


@pytest.mark.parametrize(("lines", "state", "label"), [
    (RUN_LOG, JobState.SUCCEEDED, "ep 3/3 · 13/13"),
    # stopped after its epoch's checkpoint, before or after the validation
    (_through("Saving checkpoint at 2 epochs"), JobState.STOPPED, "ep 2/3 · 13/13"),
    (_through("Epoch(val) [2][6/6]"), JobState.STOPPED, "ep 2/3 · 13/13"),
    # killed in the middle of an epoch: where its last line says
    (_through("Epoch(train) [3][10/13]"), JobState.FAILED, "ep 3/3 · 10/13"),
    (_through("Epoch(train) [3][10/13]"), JobState.RUNNING, "ep 3/3 · 10/13"),
    # succeeded, although the log's last lines are not the checkpoint's (an appended hook line)
    ([*_through("Epoch(train) [3][10/13]"), "11/24 - mmengine - INFO - after_run\n"],
     JobState.SUCCEEDED, "ep 3/3 · 13/13"),
])
def test_a_finished_epoch_reads_complete(tmp_path: Path, lines: list[str], state: JobState,
                                         label: str) -> None:
    job = Registry().add(name="sample_tiny", config="c.py", work_dir=str(tmp_path), cwd=str(tmp_path),
                         state=state)
    job.log_path.parent.mkdir(parents=True)
    job.log_path.write_text("".join(lines))
    assert read_progress(job, total_epochs=3).label() == label


def test_an_iteration_based_run_counts_its_saved_iterations(tmp_path: Path) -> None:
    log = ("Iter(train) [3990/4000]  lr: 1e-4  eta: 0:00:05  time: 0.5  loss: 0.3\n"
           "Saving checkpoint at 4000 iterations\n")
    for state, label in ((JobState.STOPPED, "it 4000/4000"), (JobState.SUCCEEDED, "it 4000/4000")):
        job = Registry().add(name="r", config="c.py", work_dir=str(tmp_path), cwd=str(tmp_path), state=state)
        job.log_path.parent.mkdir(parents=True, exist_ok=True)
        job.log_path.write_text(log if state is JobState.STOPPED else log.splitlines()[0] + "\n")
        assert read_progress(job).label() == label


def test_an_eta_past_a_day_reads_in_days_and_hours(tmp_path: Path) -> None:
    """mmengine writes Python's timedelta (`1 day, 3:04:05`); the jobs table's 8-character
    column shows `1d 3h`, and an ETA under a day as mmengine wrote it."""
    job = Registry().add(name="r", config="c.py", work_dir=str(tmp_path), cwd=str(tmp_path),
                         state=JobState.RUNNING)
    job.log_path.parent.mkdir(parents=True)
    line = ("11/24 15:35:04 - mmengine - INFO - Iter(train) [ 100/80000]  lr: 1e-2  "
            "eta: {eta}  time: 1.6  loss: 2.5\n")
    for eta, shown in (("1 day, 3:04:05", "1d 3h"), ("12 days, 0:59:59", "12d 0h"),
                       ("3:04:05", "3:04:05")):
        job.log_path.write_text(line.format(eta=eta))
        progress = read_progress(job)
        assert (progress.eta, progress.label(), progress.loss) == (shown, "it 100/80000", 2.5)
