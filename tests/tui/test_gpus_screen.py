"""The GPUs screen driven as a user on a shared server would, with the fake eight-GPU server
(tests/core/gpus/servers.py) and with this machine's real lack of a driver."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.core.gpus.servers import eight_gpus, fake_server, mixed_server, write
from tests.tui.waiting import until
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.gpus import FAKE_ENV, GpuMonitor
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import VocsegApp, make_app
from vocseg_tui.tui.screens.gpus import GPUsScreen

__all__ = ["fake_server"]


async def opened(pilot: Pilot[None]) -> GPUsScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, GPUsScreen) and app.screen.inventory is not None)
    assert isinstance(app.screen, GPUsScreen)
    return app.screen


def notes(app: VocsegApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def state(screen: GPUsScreen, index: int) -> str:
    return str(screen.query_one("#gpu-table", DataTable).get_cell(str(index), "state"))


async def test_every_gpu_is_listed_with_owners_and_a_failed_gpu_keeps_its_row(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        assert screen.query_one("#gpu-table", DataTable).row_count == 8
        assert state(screen, 0) == state(screen, 1) == "alice"
        assert state(screen, 2) == "bob"
        assert state(screen, 4) == "failed: GPU is lost"
        assert state(screen, 6) == "busy 60% (you)"
        assert state(screen, 7) == "free"
        assert "FAKE GPUs" in str(screen.query_one("#gpu-status", Static).render())


async def test_auto_pick_prefers_high_indices_and_confirm_sets_the_device(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("a")
        assert screen.selected == {7}
        assert app.device_choice.is_cpu  # nothing changes before confirming
        await pilot.press("plus", "a")
        assert screen.selected == {5, 7}
        await pilot.press("enter")
        uuids = (eight_gpus()["gpus"][5]["uuid"], eight_gpus()["gpus"][7]["uuid"])
        assert app.device_choice == DeviceChoice(indices=(5, 7), uuids=uuids)
        assert f"CUDA_VISIBLE_DEVICES={','.join(uuids)}" in notes(app)
        await pilot.press("c")
        assert app.device_choice.is_cpu and screen.selected == frozenset()


async def test_too_strict_a_threshold_picks_nothing_and_says_why(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("left_square_bracket")
        assert screen.min_free_gib == 6
        screen.min_free_gib = 78
        await pilot.press("right_square_bracket")  # 80 GiB free wanted: more than any idle A100 has
        assert screen.min_free_gib == 80
        await pilot.press("a")
        assert screen.selected == frozenset()
        assert "only 0 of 8 GPUs are free" in notes(app)
        assert state(screen, 7) == "79.9 GiB free"


async def test_toggling_by_hand_warns_about_colleagues_and_refuses_a_failed_gpu(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("space")  # the cursor starts on GPU 0, alice's
        assert screen.selected == {0}
        assert "in use by alice" in notes(app)
        await pilot.press("down", "down", "down", "down", "space")  # GPU 4 is lost
        assert screen.selected == {0}
        assert "GPU 4 failed its query" in notes(app)
        await pilot.press("up", "up", "up", "up", "space")
        assert screen.selected == frozenset()


async def test_highlighted_gpu_shows_its_processes_and_owners(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("down", "down")
        processes = screen.query_one("#gpu-processes", DataTable)
        assert [str(c) for c in processes.get_row_at(0)][:2] == ["52017", "bob"]
        assert "ipykernel" in str(processes.get_row_at(0)[3])


async def test_a_colleague_starting_a_job_is_seen_and_never_auto_picked(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        server = eight_gpus()
        server["gpus"][7]["processes"] = [{"pid": 6060, "user": "carol", "command": "python x.py",
                                           "gpu_memory_mib": 100}]
        write(fake_server, server)
        await until(pilot, lambda: state(screen, 7) == "carol")  # the 1 s timer, not a key
        await pilot.press("a")
        assert screen.selected == {5}


@pytest.mark.slow
async def test_refreshes_run_off_the_ui_thread_and_stop_while_hidden(
        fake_server: Path, sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    real_refresh = GpuMonitor.refresh

    def recording(self: GpuMonitor):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real_refresh(self)

    monkeypatch.setattr(GpuMonitor, "refresh", recording)
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        assert threads and threading.main_thread() not in threads
        await pilot.press("1")
        await until(pilot, lambda: not screen.gpu_reads.ticking, what="the hidden screen stopping its timer")
        hidden_at = len(threads)
        assert not screen.gpu_reads.ticking  # no refresh can fire
        await pilot.press("2")
        assert screen.gpu_reads.ticking
        await until(pilot, lambda: len(threads) > hidden_at)


async def test_without_a_driver_the_screen_says_cpu_only_and_the_device_is_cpu(
        sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FAKE_ENV, raising=False)
    if GpuMonitor().refresh().gpus:
        pytest.skip("this machine has GPUs")
    app = make_app(sample_project, start="data")
    async with app.run_test(size=(100, 30)) as pilot:
        app.device_choice = DeviceChoice(indices=(1,), uuids=("GPU-gone",))  # chosen earlier
        await pilot.press("2")
        screen = await opened(pilot)
        status = str(screen.query_one("#gpu-status", Static).render())
        assert "CPU only: no NVIDIA driver found" in status
        assert not screen.query_one("#gpu-table").display
        assert app.device_choice.is_cpu
        await pilot.press("a", "space")
        assert "there are no GPUs to choose" in notes(app)
        assert "training on CPU" in str(screen.query_one("#gpu-choice", Static).render())


async def test_a_broken_fake_description_is_reported_once_not_every_second(
        fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        fake_server.write_text("{broken")
        write_count = screen.gpu_reads.reads
        await pilot.press("r")
        await until(pilot, lambda: screen.gpu_reads.reads > write_count)
        await pilot.press("r")
        await until(pilot, lambda: screen.gpu_reads.reads > write_count + 1)
        assert notes(app).count("cannot read fake GPU description") == 1
        assert "cannot read fake GPU description" in str(screen.query_one("#gpu-status", Static).render())


@pytest.mark.slow
async def test_the_recipe_follows_the_confirmed_gpus(fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        await pilot.press("plus", "a", "enter")
        await pilot.press("3")
        await until(pilot, lambda: type(app.screen).__name__ == "RecipeScreen")
        assert app.screen.recipe.gpus == 2  # type: ignore[attr-defined]
        await pilot.press("2", "c", "3")
        await until(pilot, lambda: app.screen.recipe.gpus == 0)  # type: ignore[attr-defined]


def facts(screen: GPUsScreen) -> str:
    return str(screen.query_one("#gpu-facts-text", Static).render())


@pytest.fixture
def odd_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write(tmp_path / "gpus.json", mixed_server())
    monkeypatch.setenv(FAKE_ENV, str(path))
    return path


async def test_mig_and_unknown_processes_are_shown_explained_and_never_auto_picked(
        odd_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        assert [state(screen, i) for i in range(4)] == ["MIG", "free", "processes unknown", "alice"]
        assert "MIG mode: it cannot train as one GPU" in facts(screen)
        assert "nvidia-smi -L" in facts(screen)
        await pilot.press("space")  # the cursor starts on GPU 0, the MIG one
        assert screen.selected == frozenset()
        assert "GPU 0 is in MIG mode" in notes(app) and "nvidia-smi -i 0 -mig 0" in notes(app)
        await pilot.press("plus", "a")  # two asked: only GPU 1 is free
        assert screen.selected == frozenset() and "only 1 of 4 GPUs are free" in notes(app)
        await pilot.press("minus", "a")
        assert screen.selected == {1}
        await pilot.press("down", "down", "space")  # by hand, with a warning
        assert screen.selected == {1, 2}
        assert "GPU 2's processes are unknown (no permission to list its processes)" in notes(app)
        assert "processes unknown: no permission to list its processes" in facts(screen)
        processes = screen.query_one("#gpu-processes", DataTable)
        assert processes.border_title == "GPU 2: processes unknown"


async def test_display_processes_are_listed_as_such_and_block_nothing(
        odd_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("down", "down", "down")
        processes = screen.query_one("#gpu-processes", DataTable)
        rows = {str(row[0]): [str(c) for c in row[1:]]
                for row in map(processes.get_row_at, range(processes.row_count))}
        assert rows["2000"][0] == "gdm (display)"
        assert rows["2000"][2].startswith("graphics: /usr/lib/xorg/Xorg")
        assert rows["2001"] == ["gdm (display)", "15", "graphics: /usr/bin/gnome-shell"]
        assert rows["9000"] == ["alice", "300", "graphics: paraview"]
        assert state(screen, 3) == "alice"  # the colleague's program, not the display server
        await pilot.press("space")
        assert "GPU 3 is in use by alice:" in notes(app)
