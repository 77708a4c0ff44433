"""The Logs screen driven through the pilot, while real processes write logs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.training import TrainedRun
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.logs import History
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.logs import LogsScreen
from vocseg_tui.tui.widgets.log_iou import IouTable
from vocseg_tui.tui.widgets.log_view import LogView

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"

WRITER = """
import sys, time
lines = open(sys.argv[1]).read().splitlines(keepends=True)
with open(sys.argv[2], "a") as out:
    for n in range(0, len(lines), 25):
        out.write("".join(lines[n:n + 25]))
        out.flush()
        time.sleep(0.05)
    time.sleep(30)
"""


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.1)


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
            await wait_for(pilot, lambda: len(view.view) > 100)
            assert view.follow
            await wait_for(pilot, lambda: view.scroll_offset.y > 0
                           and view.scroll_offset.y >= view.max_scroll_y - 30, timeout=3)
            await pilot.press("f")  # follow off: new lines must not move the view
            held = view.scroll_offset.y
            await wait_for(pilot, lambda: screen.caches[screen.current or ""].feed.history.best_val
                           is not None and len(view.view) >= 1063, timeout=20)
            assert view.scroll_offset.y == held
            await pilot.press("f")
            await wait_for(pilot, lambda: view.scroll_offset.y == view.max_scroll_y, timeout=3)
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
        app.selected_job_id = failed.id  # type: ignore[attr-defined]
        await pilot.press("5")
        screen = screen_of(app)
        view = screen.query_one(LogView)
        banner = screen.query_one("#logs-diagnosis")
        await wait_for(pilot, lambda: screen.current == f"job:{failed.id}" and banner.display)
        assert "dataset files are missing" in str(banner.render())
        await pilot.press("left_square_bracket")  # previous error from the end: the exception line
        assert view.mark is not None and view.lines[view.mark].startswith("FileNotFoundError")
        await pilot.press("left_square_bracket")
        assert view.lines[view.mark].startswith("Traceback")
        await pilot.press("l", "l")  # ERROR only: the traceback stays whole
        assert view.view and all(view.levels[i] == 3 for i in view.view)
        assert any(view.lines[i].startswith("  File ") for i in view.view)
        # switch to the other job and back: both are instant from their caches
        screen.select(f"job:{other.id}")
        await wait_for(pilot, lambda: len(view.view) == 0 or not banner.display)
        await wait_for(pilot, lambda: not banner.display)
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
        await wait_for(pilot, lambda: len(view.view) > 1000)
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
        await wait_for(pilot, lambda: screen.current is not None
                       and len(screen.caches[screen.current].feed.history.validations) == 3)
        await pilot.press("t", "t")
        await pilot.pause(0.2)
        table = screen.query_one(IouTable)
        assert table.row_count == 21
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

            await wait_for(pilot, lambda: bool(history().train), timeout=120)
            assert train.poll() is None, "the first iterations must show while training runs"
            await wait_for(pilot, lambda: len(history().validations) == 3, timeout=120)
            assert "best mIoU" in str(screen.query_one("#logs-status").render())
            assert not screen.query_one("#logs-diagnosis").display
    finally:
        train.kill()
        train.wait()
