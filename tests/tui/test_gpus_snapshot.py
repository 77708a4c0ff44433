"""The look of the GPUs screen, pinned by SVG snapshots: a busy eight-GPU server at 100x30,
and at 80x24 a server with a MIG GPU, one whose processes are unknown and a display server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.core.gpus.servers import eight_gpus_moving, fake_server, mixed_server, write
from tests.tui.waiting import until
from vocseg_tui.core.gpus import GpuHistory
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.gpus import GPUsScreen

__all__ = ["fake_server"]

# A fixed path, because the header shows the project folder.
HISTORY = 12


@pytest.fixture
def snapshot_project(pristine_sample: Path, snapshot_home: Path) -> Project:
    folder = snapshot_home / "vocseg-snapshot-project"
    shutil.copytree(pristine_sample, folder)
    return Project.open(folder)


def test_gpus_8_busy_100x30(snap_compare, snapshot_project: Project, fake_server: Path) -> None:  # type: ignore[no-untyped-def]
    async def twelve_refreshes_then_auto_pick_two(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, GPUsScreen)
        await until(pilot, lambda: screen.inventory is not None, 60, "the first inventory")
        # Stop the clock so the picture does not depend on how fast this machine is, then
        # take the history one refresh at a time with the refresh key.
        screen.gpu_reads.pause()
        write(fake_server, eight_gpus_moving())
        screen.history = GpuHistory()
        for _ in range(HISTORY):
            done = screen.gpu_reads.reads
            await pilot.press("r")
            await until(pilot, lambda: screen.gpu_reads.reads != done, 60, "a refresh")  # noqa: B023
        await pilot.press("plus", "a")
        await pilot.pause()

    app = make_app(snapshot_project, start="gpus")
    assert snap_compare(app, terminal_size=(100, 30), run_before=twelve_refreshes_then_auto_pick_two)


def test_gpus_mig_unknown_display_80x24(snap_compare, snapshot_project: Project, fake_server: Path) -> None:  # type: ignore[no-untyped-def]
    async def one_sample_on_the_display_gpu(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, GPUsScreen)
        await until(pilot, lambda: screen.inventory is not None, 60, "the first inventory")
        screen.gpu_reads.pause()
        await until(pilot, lambda: not screen.gpu_reads.in_flight, 60, "the refresh in flight")
        screen.history = GpuHistory()
        done = screen.gpu_reads.reads
        await pilot.press("r")
        await until(pilot, lambda: screen.gpu_reads.reads != done, 60, "a refresh")
        await pilot.press("down", "down", "down")
        await pilot.pause()

    write(fake_server, mixed_server())
    app = make_app(snapshot_project, start="gpus")
    assert snap_compare(app, terminal_size=(80, 24), run_before=one_sample_on_the_display_gpu)
