"""Following a run: work dirs, resumes into a new run folder, huge logs from the tail."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vocseg_tui.core.jobs.log_targets import resolve
from vocseg_tui.core.logs import LogFeed, LogNotFound, ScalarsReader, discover
from vocseg_tui.core.logs import feed as feed_module


def test_a_work_dir_is_read_whole_with_history(work_dir: Path) -> None:
    feed = LogFeed(resolve(str(work_dir)))
    batch = feed.poll(budget_s=5)
    assert batch.lines and len(batch.levels) == len(batch.lines)
    assert len(feed.history.validations) == 3 and feed.diagnosis() is None
    assert any(level == 2 for level in batch.levels)  # mmengine's WARNING lines


def test_a_resume_is_followed_into_its_new_run_folder(work_dir: Path, fixtures: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "RESCAN_S", 0.0)
    feed = LogFeed(resolve(str(work_dir)))
    feed.poll(budget_s=5)
    new = work_dir / "20261124_160000"
    new.mkdir()
    resumed = new / "20261124_160000.log"
    resumed.write_text(
        "2026/11/24 16:00:01 - mmengine - INFO - resumed epoch: 3, iter: 39\n"
        "2026/11/24 16:00:02 - mmengine - INFO - Epoch(train) [4][ 5/13]  lr: 1e-3  eta: 0:00:01  "
        "time: 0.02  data_time: 0.001  loss: 1.5\n")
    assert feed.path is not None
    later = feed.path.stat().st_mtime + 1  # written after the first run's log, as a resume is
    os.utime(resumed, (later, later))
    lines = feed.poll().lines + feed.poll().lines
    assert any("now reading" in line and "20261124_160000" in line for line in lines)
    assert feed.path == new / "20261124_160000.log"
    assert feed.history.train[-1].loss == 1.5 and feed.history.train[-1].step == 44


def test_a_huge_log_starts_at_its_tail_and_draws_curves_from_scalars(work_dir: Path) -> None:
    feed = LogFeed(resolve(str(work_dir)), full_limit=1000, tail_bytes=4000)
    batch = feed.poll()
    assert feed.tail_mode and batch.lines[-1].endswith("best_mIoU_epoch_3.pth.")
    assert sum(len(line) + 1 for line in batch.lines) <= 4000  # only the tail was read
    assert len(feed.history.train) == 6  # from scalars.json
    assert feed.history.best_val is not None and len(feed.history.best_val.classes) == 21


def test_a_failed_job_log_is_diagnosed(tmp_path: Path, fixtures: Path) -> None:
    log = tmp_path / "job.log"
    shutil.copy(fixtures / "fail_weights_only.log", log)
    feed = LogFeed(resolve(str(log)))
    feed.poll()
    diagnosis = feed.diagnosis()
    assert diagnosis is not None and diagnosis.kind == "weights_only"


def test_scalars_skip_damaged_lines(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "scalars.json"
    path.write_bytes(b'{"lr": 0.1, "loss": 2.0, "epoch": 1, "iter": 5, "step": 5}\n'
                     b'{"broken\n\xff\xfe\n[1, 2]\n'
                     b'{"aAcc": 80.0, "mIoU": 20.0, "mAcc": 30.0, "step": 1}\n')
    events, reset = ScalarsReader(path).read()
    assert not reset and len(events) == 2
    assert events[1].epoch == 1  # type: ignore[union-attr]


def test_discovery_and_resolution_errors(work_dir: Path, tmp_path: Path) -> None:
    [target] = discover(work_dir.parent)
    assert target.title == "sample_tiny"
    with pytest.raises(LogNotFound):
        resolve(str(tmp_path / "nothing"))
    with pytest.raises(LogNotFound):
        resolve("12345")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LogNotFound):
        resolve(str(tmp_path / "empty"))


def test_a_resumed_job_reads_its_earlier_attempts_first(tmp_path: Path, fixtures: Path) -> None:
    from vocseg_tui.core.jobs import JobState, Registry

    registry = Registry()
    first = registry.add(name="run", config="c.py", work_dir=str(tmp_path / "wd"), cwd=str(tmp_path),
                         state=JobState.FAILED, exit_code=137)
    second = registry.add(name="run", config="c.py", work_dir=str(tmp_path / "wd"), cwd=str(tmp_path),
                          state=JobState.RUNNING, parent_id=first.id)
    first.log_path.parent.mkdir(parents=True)
    shutil.copy(fixtures / "stdout_success.log", first.log_path)
    second.log_path.parent.mkdir(parents=True)
    second.log_path.write_text(
        "11/24 16:00:01 - mmengine - INFO - resumed epoch: 2, iter: 26\n"
        "11/24 16:00:02 - mmengine - INFO - Epoch(train) [3][ 5/13]  lr: 1e-3  eta: 0:00:01  "
        "time: 0.02  data_time: 0.001  loss: 1.25\n")
    feed = LogFeed(resolve(str(second.id)))
    lines = feed.poll(budget_s=5).lines
    assert any("now reading" in line for line in lines)
    steps = [t.step for t in feed.history.train]
    assert steps == [5, 10, 18, 23, 31] and feed.history.train[-1].loss == 1.25
    assert [v.epoch for v in feed.history.validations] == [1, 2]  # epoch 3 came after the checkpoint
    assert feed.diagnosis() is None  # running: the parent's SIGKILL is not this job's failure


@pytest.mark.parametrize(("state", "diagnosed"), [
    ("stopped", False),  # a stop sends signals: the traceback they print is no failure
    ("succeeded", False),
    ("running", False),  # a handled traceback in a running job
    ("lost", True),  # the supervisor vanished: the traceback is why
    ("failed", True),
])
def test_the_jobs_record_decides_whether_a_traceback_is_its_failure(tmp_path: Path, state: str,
                                                                    diagnosed: bool) -> None:
    from vocseg_tui.core.jobs import JobState, Registry

    job = Registry().add(name="run", config="c.py", work_dir=str(tmp_path / "wd"), cwd=str(tmp_path),
                         state=JobState(state))
    job.log_path.parent.mkdir(parents=True)
    job.log_path.write_text("11/24 16:00:01 - mmengine - INFO - Epoch(train) [1][ 5/13]  loss: 1.2\n"
                            "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n"
                            "KeyboardInterrupt\n")
    feed = LogFeed(resolve(str(job.id)))
    feed.poll(budget_s=5)
    assert (feed.diagnosis() is not None) is diagnosed
