"""The Jobs area keeps runs apart: a launch into a work dir that holds another run asks before
training beside it, and resuming a job a later attempt already continues says which to resume."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest

from tests.training import convert_like_voc_aug
from tests.tui.waiting import until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.launch import stop
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.jobs import JobsScreen
from vocseg_tui.tui.widgets.confirm import ConfirmScreen


def _old_run(project: Project) -> None:
    convert_like_voc_aug(project)  # the launch check refuses a sample whose data is unprepared
    work_dir = project.work_dirs / "sample_tiny"
    work_dir.mkdir(parents=True)
    with zipfile.ZipFile(work_dir / "epoch_30.pth", "w") as archive:
        archive.writestr("archive/data.pkl", b"weights")


async def _launch_and_get_asked(pilot: Any, app: Any) -> ConfirmScreen:
    await pilot.press("n")
    await until(pilot, lambda: type(app.screen).__name__ == "LaunchDialog", 10, "the launch dialog")
    await pilot.click("#launch-go")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 30, "the new-run question")
    screen: ConfirmScreen = app.screen
    return screen


async def test_launch_into_a_work_dir_holding_a_run_asks_and_no_starts_nothing(
        sample_project: Project) -> None:
    _old_run(sample_project)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        question = await _launch_and_get_asked(pilot, app)
        assert "already holds another run: epoch_30.pth" in question.question
        assert "sample_tiny-2" in question.question
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen), 10, "the Jobs screen again")
    assert Registry().all_jobs() == []
    assert not (sample_project.work_dirs / "sample_tiny-2").exists()


@pytest.mark.slow
async def test_yes_trains_the_new_run_beside_the_old_one(sample_project: Project) -> None:
    _old_run(sample_project)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _launch_and_get_asked(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: any(j.supervisor_pid for j in Registry().all_jobs()), 60,
                    "the new run's supervisor")
        job = Registry().all_jobs()[0]
        assert job.work_dir == str((sample_project.work_dirs / "sample_tiny-2").resolve())
        stop(job.id)  # nothing should keep training after the test
        await until(pilot, lambda: not Registry().get(job.id).state.is_active, 60, f"job {job.id} stopping")
    assert sorted(p.name for p in (sample_project.work_dirs / "sample_tiny").iterdir()) == ["epoch_30.pth"]


async def test_resume_of_a_job_already_resumed_names_the_newest_attempt(sample_project: Project) -> None:
    registry = Registry()
    work_dir = str(sample_project.work_dirs / "sample_tiny")
    first = registry.add(name="sample_tiny", config="/p/c.py", work_dir=work_dir,
                         cwd=str(sample_project.root), backend="local", state=JobState.STOPPED)
    second = registry.add(name="sample_tiny", config="/p/c.py", work_dir=work_dir,
                          cwd=str(sample_project.root), backend="local", state=JobState.SUCCEEDED,
                          parent_id=first.id, attempt=2)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.query_one("#job-table").row_count == 2, 10, "both jobs' rows")
        await pilot.press("down")  # the first attempt (rows are newest first)
        await pilot.press("r")
        said = (f"job {first.id} was already resumed as job {second.id} (succeeded); "
                f"resume {second.id} instead")
        await until(pilot, lambda: any(said in n.message for n in app._notifications), 10, "the refusal")
    assert len(Registry().all_jobs()) == 2
