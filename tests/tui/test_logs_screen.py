"""The Logs screen driven through the pilot, while real processes write logs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import TrainedRun
from tests.tui.waiting import until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.logs import History
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.logs import LogsScreen
from vocseg_tui.tui.widgets.log_iou import IouTable
from vocseg_tui.tui.widgets.log_view import LogView

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"

WRITER = """
import signal, sys, time
lines = open(sys.argv[1]).read().splitlines(keepends=True)
with open(sys.argv[2], "a") as out:
    for n in range(0, len(lines), 25):
        out.write("".join(lines[n:n + 25]))
        out.flush()
        time.sleep(0.05)
signal.pause()  # then alive and silent, as a training between iterations, until the test kills it
"""


def screen_of(app) -> LogsScreen:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, LogsScreen)
    return app.screen


@pytest.mark.slow
async def test_follows_a_log_while_a_process_writes_it(sample_project: Project) -> None:
    run = sample_project.work_dirs / "sample_tiny" / "20261124_153501"
    run.mkdir(parents=True)
    log = run / "20261124_153501.log"
    log.touch()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(FIXTURES / "mmengine_run.log"), str(log)])
    try:
        app = make_app(sample_project, start="logs")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = screen_of(app)
            view = app.screen.query_one(LogView)
            await until(pilot, lambda: len(view.view) > 100)
            assert view.follow
            await until(pilot, lambda: view.scroll_offset.y > 0
                           and view.scroll_offset.y >= view.max_scroll_y - 30, timeout=3)
            await pilot.press("f")  # follow off: new lines must not move the view
            held = view.scroll_offset.y
            await until(pilot, lambda: screen.caches[screen.current or ""].feed.history.best_val
                           is not None and len(view.view) >= 1063, timeout=20)
            assert view.scroll_offset.y == held
            await pilot.press("f")
            await until(pilot, lambda: view.scroll_offset.y == view.max_scroll_y, timeout=3)
            status = str(app.screen.query_one("#logs-status").render())
            assert "epoch 3/3" in status and "best mIoU 28.95" in status
            assert not app.screen.query_one("#logs-diagnosis").display
    finally:
        writer.kill()
        writer.wait()


async def test_selected_failed_job_shows_its_diagnosis_and_errors(
        sample_project: Project, tmp_path: Path) -> None:
    registry = Registry()
    failed = registry.add(name="oom", config="c.py", work_dir=str(tmp_path / "a"), cwd=str(tmp_path),
                          state=JobState.FAILED, exit_code=1)
    other = registry.add(name="fine", config="c.py", work_dir=str(tmp_path / "b"), cwd=str(tmp_path),
                         state=JobState.SUCCEEDED, exit_code=0)
    for job, source in ((failed, "fail_dataset_missing.log"), (other, "stdout_success.log")):
        job.log_path.parent.mkdir(parents=True)
        shutil.copy(FIXTURES / source, job.log_path)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 36)) as pilot:
        app.selected_job_id = failed.id
        await pilot.press("5")
        screen = screen_of(app)
        view = screen.query_one(LogView)
        banner = screen.query_one("#logs-diagnosis")
        await until(pilot, lambda: screen.current == f"job:{failed.id}" and banner.display
                    and "dataset files are missing" in str(banner.render()),
                    what="the diagnosis read from the log")
        await pilot.press("left_square_bracket")  # previous error from the end: the exception line
        assert view.mark is not None and view.lines[view.mark].startswith("FileNotFoundError")
        await pilot.press("left_square_bracket")
        assert view.lines[view.mark].startswith("Traceback")
        await pilot.press("l", "l")  # ERROR only: the traceback stays whole
        assert view.view and all(view.levels[i] == 3 for i in view.view)
        assert any(view.lines[i].startswith("  File ") for i in view.view)
        # switch to the other job and back: both are instant from their caches
        screen.select(f"job:{other.id}")
        await until(pilot, lambda: len(view.view) == 0 or not banner.display)
        await until(pilot, lambda: not banner.display)
        screen.select(f"job:{failed.id}")
        assert view.view and banner.display  # no poll needed


@pytest.mark.slow
async def test_search_finds_lines_and_reports_misses(sample_project: Project) -> None:
    run = sample_project.work_dirs / "sample_tiny" / "20261124_153501"
    run.mkdir(parents=True)
    shutil.copy(FIXTURES / "mmengine_run.log", run / "20261124_153501.log")
    app = make_app(sample_project, start="logs")
    async with app.run_test(size=(120, 36)) as pilot:
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: len(view.view) > 1000)
        await pilot.press("slash", *"Saving checkpoint", "enter")
        assert view.mark is not None and "Saving checkpoint at 3 epochs" in view.lines[view.mark]
        await pilot.press("N")
        assert "Saving checkpoint at 2 epochs" in view.lines[view.mark]
        await pilot.press("n", "n")
        assert "at 3 epochs" in view.lines[view.mark]
        assert not view.follow


@pytest.mark.slow
async def test_a_finished_real_training_shows_curves_and_per_class_iou(trained_sample: TrainedRun,
                                                                       tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(trained_sample.project.root / "work_dirs", root / "work_dirs")
    app = make_app(Project.open(root), start="logs")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: screen.current is not None
                       and len(screen.caches[screen.current].feed.history.validations) == 3)
        await pilot.press("t", "t")
        table = screen.query_one(IouTable)
        await until(pilot, lambda: table.row_count == 21)
        assert not screen.query_one("#logs-diagnosis").display


@pytest.mark.slow
async def test_follows_a_real_training_while_it_runs(sample_project: Project) -> None:
    """mmseg's own tools/train.py trains the sample in a child process; the screen shows its
    iterations while it runs and ends with its three validations."""
    from tests.training import convert_like_voc_aug, mmseg_tool

    convert_like_voc_aug(sample_project)
    train = subprocess.Popen(
        [sys.executable, str(mmseg_tool("train.py")), "configs/sample_tiny.py"],
        cwd=sample_project.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"})
    try:
        app = make_app(sample_project, start="logs")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = screen_of(app)

            def history() -> History:
                cache = screen.caches.get(screen.current or "")
                return cache.feed.history if cache else History()

            await until(pilot, lambda: bool(history().train), timeout=120)
            assert train.poll() is None, "the first iterations must show while training runs"
            await until(pilot, lambda: len(history().validations) == 3, timeout=120)
            assert "best mIoU" in str(screen.query_one("#logs-status").render())
            assert not screen.query_one("#logs-diagnosis").display
    finally:
        train.kill()
        train.wait()


# --- the Curves tab: what it shows after a switch, and that it fits the pane ------------------

RUN_LOG = (FIXTURES / "mmengine_run.log").read_text().splitlines(keepends=True)
"""A real 3-epoch sample run: validations of 17.13, 5.30 and 28.95 mIoU; 13 iterations an
epoch, logged at 5 and 10 (the last line of each epoch reads 10/13)."""


def _line_no(text: str) -> int:
    return next(n for n, line in enumerate(RUN_LOG) if text in line)


def register(tmp_path: Path, name: str, lines: list[str], state: JobState) -> int:
    """A registry job whose log holds `lines` (the Logs area lists it like any job)."""
    job = Registry().add(name=name, config="c.py", work_dir=str(tmp_path / name), cwd=str(tmp_path),
                         state=state, exit_code=0 if state is JobState.SUCCEEDED else None)
    job.log_path.parent.mkdir(parents=True)
    job.log_path.write_text("".join(lines))
    return job.id


def chart_text(screen: LogsScreen, chart: str) -> str:
    from textual_plotext import PlotextPlot

    return str(screen.query_one(f"#{chart}", PlotextPlot).render())


def status_text(screen: LogsScreen) -> str:
    return str(screen.query_one("#logs-status").render())


async def open_job(pilot, job_id: int) -> LogsScreen:  # type: ignore[no-untyped-def]
    """From Jobs, follow job `job_id` into the Logs area (key 5) and wait for its whole log."""
    pilot.app.selected_job_id = job_id
    await pilot.press("5")
    screen = screen_of(pilot.app)
    await until(pilot, lambda: screen.current == f"job:{job_id}"
                and screen.caches[screen.current].feed.history.best_val is not None, what="the log")
    return screen


async def pick(pilot, screen: LogsScreen, job_id: int) -> None:  # type: ignore[no-untyped-def]
    """Click job `job_id` in the job list, as a user picks another run."""
    index = next(i for i, t in enumerate(screen.targets) if t.key == f"job:{job_id}")
    await pilot.click("#logs-jobs", offset=(3, 1 + index))
    await until(pilot, lambda: screen.current == f"job:{job_id}", what="the switch")


async def test_curves_follow_a_switch_to_another_job(sample_project: Project, tmp_path: Path) -> None:
    """Curves open, another job picked in the list: its curves appear without touching `t`."""
    whole = register(tmp_path, "whole", RUN_LOG, JobState.SUCCEEDED)
    two_epochs = register(tmp_path, "two_epochs", RUN_LOG[: _line_no("Epoch(train) [3][ 5/13]")],
                          JobState.STOPPED)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot, whole)
        await pilot.press("t")  # Log -> Curves
        await until(pilot, lambda: "best 28.95" in chart_text(screen, "chart-miou"), what="job 1's curves")
        await pick(pilot, screen, two_epochs)
        await until(pilot, lambda: "best 17.13" in chart_text(screen, "chart-miou"), timeout=5,
                    what="the other job's curves")
        assert "28.95" not in chart_text(screen, "chart-miou")
        assert screen.query_one("#logs-tabs").active == "tab-curves"
        # and back: the first job's curves again, from its cache
        await pick(pilot, screen, whole)
        await until(pilot, lambda: "best 28.95" in chart_text(screen, "chart-miou"), timeout=5,
                    what="the first job's curves again")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_charts_fit_their_pane(sample_project: Project, tmp_path: Path,
                                         size: tuple[int, int]) -> None:
    """Every chart lies inside the tab pane beside the job list and inside the terminal, and
    shows its newest point: the last logged iteration (36) and the mIoU title."""
    from textual_plotext import PlotextPlot

    job = register(tmp_path, "whole", RUN_LOG, JobState.SUCCEEDED)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=size) as pilot:
        screen = await open_job(pilot, job)
        await pilot.press("t")
        await until(pilot, lambda: "best 28.95" in chart_text(screen, "chart-miou"))
        pane = screen.query_one("#logs-tabs").region
        jobs = screen.query_one("#logs-jobs").region
        assert jobs.right <= pane.x
        for plot in screen.query(PlotextPlot):
            region = plot.region
            assert region.x >= pane.x and region.right <= pane.right <= size[0], (plot.id, region, pane)
            assert region.width >= 20, (plot.id, region)
        assert "36" in chart_text(screen, "chart-loss").splitlines()[-2]  # the newest iteration's tick
        assert "mIoU (best 28.95)" in chart_text(screen, "chart-miou")


async def test_a_finished_run_reads_complete(sample_project: Project, tmp_path: Path) -> None:
    """mmengine logs 10/13 last in each epoch; a run whose epoch ended (its validation was
    logged) reads 13/13, one stopped in the middle of an epoch still reads where it was."""
    whole = register(tmp_path, "whole", RUN_LOG, JobState.SUCCEEDED)
    mid_epoch = register(tmp_path, "mid", RUN_LOG[: _line_no("Epoch(train) [3][10/13]") + 1],
                         JobState.STOPPED)
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot, whole)
        assert "succeeded · epoch 3/3 · iter 13/13" in status_text(screen)
        await pick(pilot, screen, mid_epoch)
        await until(pilot, lambda: "stopped · epoch 3/3" in status_text(screen))
        assert "iter 10/13" in status_text(screen)
