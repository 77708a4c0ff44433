"""The Jobs screen with Textual's pilot, over a real registry and real job files."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from textual.widgets import Select

from tests.core.jobs.orphan import Orphan
from tests.training import convert_like_voc_aug
from tests.tui.waiting import until
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import start_time
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.jobs import JobsScreen
from vocseg_tui.tui.widgets.job_detail import JobDetail
from vocseg_tui.tui.widgets.job_table import JobTable

LOG_TAIL = (
    "11/24 15:38:19 - mmengine - INFO - Epoch(train) [2][ 5/13]  lr: 2.9361e-02  eta: 0:00:20  "
    "time: 0.5572  data_time: 0.0075  loss: 2.5255  decode.loss_ce: 1.6522\n"
    "11/24 15:38:21 - mmengine - INFO - Epoch(val) [1][6/6]    aAcc: 85.6500  mIoU: 17.1300  mAcc: 20.0\n"
)


def _jobs(project: Project) -> tuple[int, int]:
    registry = Registry()
    work_dir = project.work_dirs / "sample_tiny"
    failed = registry.add(name="sample_tiny", config=str(project.configs_dir / "sample_tiny.py"),
                          work_dir=str(work_dir), cwd=str(project.root), backend="local",
                          state=JobState.FAILED, exit_code=137, signal=9, started_at=time.time() - 600,
                          failure="the process was killed by SIGKILL")
    # A running job whose supervisor is this test process (alive, so not `lost`).
    running = registry.add(name="sample_tiny", config=str(project.configs_dir / "sample_tiny.py"),
                           work_dir=str(work_dir), cwd=str(project.root), backend="tmux",
                           state=JobState.RUNNING, parent_id=failed.id, attempt=2,
                           backend_data={"tmux_session": "vocseg-job-2"},
                           supervisor_pid=os.getpid(), supervisor_started=start_time(os.getpid()),
                           train_pid=os.getpid(), started_at=time.time() - 60)
    running.paths.create()
    running.log_path.write_text(LOG_TAIL)
    (work_dir / "sample_tiny.py").write_text("train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=3)\n")
    return failed.id, running.id


async def test_jobs_screen_shows_every_job_with_progress(sample_project: Project) -> None:
    failed, running = _jobs(sample_project)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(JobTable)
        assert table.row_count == 2
        row = [str(c) for c in table.get_row(str(running))]
        assert row[1] == "running" and row[4] == "ep 2/3 · 5/13" and row[5] == "0:00:20"
        assert row[6] == "2.526" and row[7] == "17.1"
        assert "tmux attach -t vocseg-job-2" in row[9]
        assert "exit 137" in str(table.get_row(str(failed))[9])
        detail = str(app.screen.query_one(JobDetail).render())
        assert "resumes job" in detail and "tmux attach -t vocseg-job-2" in detail


async def test_follow_log_switches_to_logs_with_the_selected_job(sample_project: Project) -> None:
    _, running = _jobs(sample_project)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert app.selected_job_id == running
        assert app.current_mode == "logs"


async def test_stop_of_an_ended_job_says_why_not(sample_project: Project) -> None:
    failed, _ = _jobs(sample_project)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down")  # the failed job (rows are newest first)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        texts = [n.message for n in app._notifications]
        assert any(f"job {failed} is already failed" in t for t in texts)


@pytest.mark.parametrize(("train_cfg", "said"), [
    ("dict(type='IterBasedTrainLoop', max_iters=40000)", "will stop at the next checkpoint"),
    ("dict(type='EpochBasedTrainLoop', max_epochs=3)", "will stop after this epoch (checkpoint first)")])
async def test_stop_after_epoch_of_an_iteration_based_run_says_at_the_next_checkpoint(
        sample_project: Project, train_cfg: str, said: str) -> None:
    """An iteration-based run is one big epoch: tools/train.py stops it at its next checkpoint."""
    _, running = _jobs(sample_project)
    (sample_project.work_dirs / "sample_tiny" / "sample_tiny.py").write_text(f"train_cfg = {train_cfg}\n")
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("e")  # the running job (rows are newest first)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(said in n.message for n in app._notifications), [n.message for n in app._notifications]
    assert Registry().get(running).paths.stop_after_epoch_request.exists()


@pytest.mark.slow
async def test_launch_dialog_starts_a_detached_job_that_appears_in_the_table(
        sample_project: Project) -> None:
    convert_like_voc_aug(sample_project)  # the launch check refuses a sample whose data is unprepared
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(JobTable).row_count == 0
        assert "No jobs yet" in str(app.screen.query_one(JobDetail).render())
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "LaunchDialog"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen) and Registry().all_jobs() == []

        await pilot.press("n")
        await pilot.pause()
        await pilot.click("#launch-go")
        # the periodic refresh cancels and restarts its own reads, so the test waits on what the
        # registry and the table show, not on the screen's workers finishing
        await until(pilot, lambda: any(job.supervisor_pid for job in Registry().all_jobs()), 60,
                    "the launched job's supervisor")
        jobs = Registry().all_jobs()
        assert len(jobs) == 1 and jobs[0].config.endswith("sample_tiny.py")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        screen.refresh_jobs()
        await until(pilot, lambda: screen.query_one(JobTable).row_count == 1, 30, "the job's row")
        await pilot.press("s")  # stop it again: nothing should keep training after the test
        await until(pilot, lambda: not Registry().get(jobs[0].id).state.is_active, 60,
                    f"job {jobs[0].id} stopping")
    assert Registry().get(jobs[0].id).state is JobState.STOPPED


async def test_refresh_timer_pauses_when_hidden(sample_project: Project) -> None:
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        assert screen.job_reads.ticking
        await pilot.press("1")
        await pilot.pause()
        assert not screen.job_reads.ticking
        await pilot.press("4")
        await pilot.pause()
        assert screen.job_reads.ticking


async def test_launch_dialog_offers_the_back_ends_and_refuses_a_colleagues_gpu(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"uuid": "GPU-aaaa", "processes": [
        {"pid": 999999, "user": "alice", "command": "python train.py", "gpu_memory_mib": 9000}]}]}))
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 48)) as pilot:
        await pilot.pause()
        app.device_choice = DeviceChoice((0,), ("GPU-aaaa",))  # chosen by hand in the GPUs area
        await pilot.press("n")
        await pilot.pause()
        offered = [str(value) for _, value in app.screen.query_one("#launch-backend", Select)._options]
        assert "local" in offered and "slurm" not in offered  # Slurm needs options the dialog lacks
        await pilot.click("#launch-go")
        await app.workers.wait_for_complete()
        await pilot.pause()
        texts = [n.message for n in app._notifications]
        assert any("GPU 0 is in use by alice" in t and "--force" in t for t in texts), texts
        assert Registry().all_jobs() == []


async def test_an_orphaned_training_shows_as_such_and_s_stops_it(sample_project: Project) -> None:
    """A training whose supervisor died reads `orphaned, still training`, and `s` ends it."""
    config = sample_project.configs_dir / "sample_tiny.py"
    orphan = Orphan(Registry(), sample_project.work_dirs / "sample_tiny", config, sample_project.root)
    app = make_app(sample_project, start="jobs")
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            table = app.screen.query_one(JobTable)

            def orphan_row() -> list[str] | None:
                if not table.row_count:
                    return None
                row = [str(cell) for cell in table.get_row(str(orphan.job.id))]
                return row if row[1] == "orphaned" else None

            await until(pilot, orphan_row, what="the orphaned job in the table")
            assert f"still training (pid {orphan.pid})" in (orphan_row() or [""] * 10)[9]
            await pilot.press("r")  # refused: a second training would write the same work dir
            await until(pilot, lambda: any(f"a training (pid {orphan.pid}) still writes" in n.message
                                           and f"vocseg-tui stop {orphan.job.id}" in n.message
                                           for n in app._notifications), what="the resume refused")
            assert len(Registry().all_jobs()) == 1
            await pilot.press("s")
            await until(pilot, lambda: not orphan.running(), 30, "the orphan ending on `s`")
            await until(pilot, lambda: Registry().get(orphan.job.id).state is JobState.STOPPED,
                        what="the job recorded stopped")
            await until(pilot, lambda: any("orphaned training stopped" in n.message
                                           for n in app._notifications), what="the notification")
    finally:
        orphan.end()


async def test_jobs_of_other_projects_show_only_after_a_with_a_project_column(
        sample_project: Project, tmp_path: Path) -> None:
    """The registry is per user: another project's job is left out (and counted) until `a`."""
    _, running = _jobs(sample_project)
    other = Project.open(shutil.copytree(sample_project.root, tmp_path / "other-project"))
    theirs = Registry().add(name="theirs", config=str(other.configs_dir / "sample_tiny.py"),
                            work_dir=str(other.work_dirs / "theirs"), cwd=str(other.root), backend="local",
                            state=JobState.SUCCEEDED)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.screen.query_one(JobTable)
        status = app.screen.query_one("#jobs-status")
        await until(pilot, lambda: table.row_count == 2, what="this project's two jobs")
        assert str(theirs.id) not in [str(k.value) for k in table.rows]
        assert "project" not in [str(c.label) for c in table.columns.values()]
        assert "1 more in other projects (a shows them)" in str(status.render())

        await pilot.press("a")
        await until(pilot, lambda: table.row_count == 3, what="every project's three jobs")
        assert [str(c.label) for c in table.columns.values()][:2] == ["ID", "project"]
        assert str(table.get_row(str(theirs.id))[1]) == "other-project"
        assert str(table.get_row(str(running))[1]) == sample_project.root.name
        assert str(table.get_row(str(theirs.id))[3]) == "theirs"  # the columns after it moved along
        assert "in every project" in str(status.render())

        await pilot.press("a")
        await until(pilot, lambda: table.row_count == 2, what="this project's jobs again")
        assert "project" not in [str(c.label) for c in table.columns.values()]
