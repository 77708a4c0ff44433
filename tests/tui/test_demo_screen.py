"""The Demo screen driven as a user would, with the real inference worker."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.images import uniform_png
from tests.projects import TwoProjects
from tests.training import TrainedRun
from tests.tui.waiting import until
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.gpus import FAKE_ENV
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.demo import DemoScreen


async def _wait(pilot, condition, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, condition, timeout)


@pytest.mark.slow
async def test_one_key_demo_shows_the_overlay_and_legend_and_stays_responsive(
        trained_sample: TrainedRun, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    app = make_app(Project.open(root), start="demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DemoScreen)
        await _wait(pilot, lambda: screen.checkpoint is not None)
        assert screen.checkpoint is not None and screen.checkpoint.name.startswith("best_")
        await pilot.press("r")
        assert screen.busy  # the UI keeps running while the worker loads the model
        await pilot.press("3")  # switching areas works during inference
        assert app.current_mode == "recipe"
        await pilot.press("7")
        await _wait(pilot, lambda: not screen.busy)
        assert screen.result is not None, str(screen.query_one("#demo-stage").render())
        out = root / "outputs" / f"sample_tiny_{screen.checkpoint.stem}_chelsea.png"
        assert screen.result.out == out and out.is_file()
        legend = str(screen.query_one("#demo-legend").render())
        for entry in screen.result.legend:
            assert entry["name"] in legend
        assert str(out) in str(screen.query_one("#demo-output").render())
        assert screen.query("#demo-image")  # the overlay is on screen
        first = screen.result
        await pilot.press("r")  # second demo: the model is reused
        await _wait(pilot, lambda: not screen.busy and screen.result is not first)
        assert screen.result.reused_model
        assert "model reused" in str(screen.query_one("#demo-stage").render())


@pytest.mark.slow
async def test_a_bad_image_is_reported_and_the_screen_keeps_working(
        trained_sample: TrainedRun, tmp_path: Path) -> None:
    fake = tmp_path / "holiday.jpg"
    fake.write_text("not a photo")
    app = make_app(trained_sample.project, start="demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DemoScreen)
        await _wait(pilot, lambda: screen.checkpoint is not None)
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(fake), "enter")
        await _wait(pilot, lambda: not screen.busy)
        assert "not an image" in str(screen.query_one("#demo-stage").render())
        assert screen.result is None and app.is_running
        assert not any((trained_sample.project.root / "outputs").glob("*holiday*"))


@pytest.mark.slow
async def test_the_default_checkpoint_is_the_open_projects(two_projects: TwoProjects) -> None:
    """Another project's run, newer and registered in the same registry, is not the default."""
    app = make_app(two_projects.mine, start="demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DemoScreen)
        await _wait(pilot, lambda: screen.checkpoint is not None)
        assert screen.checkpoint is not None and screen.checkpoint.parent == two_projects.my_run
        assert screen.checkpoint.name.startswith("best_")


async def test_without_checkpoints_the_demo_key_explains(sample_project: Project) -> None:
    app = make_app(sample_project, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()  # the search for a default checkpoint found none
        await pilot.press("r")
        await pilot.pause()
        assert any("No checkpoint yet" in n.message for n in app._notifications)


def _messages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


@pytest.mark.slow
async def test_a_huge_image_is_refused_with_the_limit_and_nothing_runs(
        trained_sample: TrainedRun, tmp_path: Path) -> None:
    huge = uniform_png(tmp_path / "poster.png", 14000, 14000)
    app = make_app(trained_sample.project, start="demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DemoScreen)
        await _wait(pilot, lambda: screen.checkpoint is not None)
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(huge), "enter")
        await _wait(pilot, lambda: any("too large" in m for m in _messages(app)))
        message = next(m for m in _messages(app) if "too large" in m)
        assert "the limit is 64 megapixels" in message and "2048" in message  # error and hint
        assert not screen.busy and screen.result is None and app.is_running
        assert screen.client is None  # refused before any worker started
        assert not any((trained_sample.project.root / "outputs").glob("*poster*"))


@pytest.mark.slow
async def test_the_demo_runs_on_the_gpus_area_choice_and_restarts_when_it_changes(
        trained_sample: TrainedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's choice (two GPUs) pins its first for the worker; this torch has no CUDA, so
    the user reads why; back on CPU a new worker runs the demo, with every GPU hidden."""
    fake = tmp_path / "gpus.json"
    uuids = ("GPU-00000000-aaaa", "GPU-00000001-bbbb")
    fake.write_text(json.dumps({"gpus": [{"uuid": u} for u in uuids]}))
    monkeypatch.setenv(FAKE_ENV, str(fake))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")  # inherited: must not reach the worker
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    app = make_app(Project.open(root), start="demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DemoScreen)
        await _wait(pilot, lambda: screen.checkpoint is not None)
        app.device_choice = DeviceChoice(indices=(0, 1), uuids=uuids)  # confirmed in the GPUs area
        await pilot.pause()
        assert "GPU 0 (first of 0,1)" in str(screen.query_one("#demo-source").render())
        await pilot.press("r")
        await _wait(pilot, lambda: any("CUDA is not available" in m for m in _messages(app)))
        pinned = DeviceChoice((0,), uuids[:1]).environment()["CUDA_VISIBLE_DEVICES"]
        assert f"CUDA_VISIBLE_DEVICES={pinned!r}" in next(m for m in _messages(app) if "CUDA" in m)
        await _wait(pilot, lambda: not screen.busy)
        assert screen.result is None and screen.client is not None and screen.client.running
        gpu_worker = screen.client.pid
        app.device_choice = DeviceChoice.cpu()
        await _wait(pilot, lambda: screen.client is not None and not screen.client.running)  # stopped at once
        assert "CPU" in str(screen.query_one("#demo-source").render())
        await pilot.press("r")
        await _wait(pilot, lambda: not screen.busy and screen.result is not None)
        assert screen.result is not None and screen.result.visible_devices == ""
        assert screen.client.pid != gpu_worker
        assert "on CPU" in str(screen.query_one("#demo-stage").render())
