"""The Data screen driven with keys: status at once, run what is missing, progress, cancel, errors."""

# ruff: noqa: F811  (pytest fixtures imported by name)
from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message

from tests.core.data.helpers import SampleArchives, md5, mirror, sample_archives  # noqa: F401
from tests.core.data.mirror import Mirror
from tests.tui.waiting import until
from vocseg_tui.core.data.progress import Progress
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import VocsegApp, make_app
from vocseg_tui.tui.screens.data import DataEvent, DataScreen
from vocseg_tui.tui.widgets.data_progress import ProgressRow


def _text(app: VocsegApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def _wait_idle(app: VocsegApp, pilot, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, DataScreen)
    await until(pilot, lambda: not screen.running, seconds, "the preparation finishing")
    await pilot.pause()


async def test_status_is_shown_on_open_and_r_prepares_the_sample(sample_project: Project) -> None:
    seen: list[Message] = []
    app = make_app(sample_project)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        steps = _text(app, "#steps")
        assert "✓ Extract VOC 2012" in steps and "○ Convert SBD labels to PNG" in steps
        assert "labels 0/26" in _text(app, "#counts")
        await pilot.press("r")
        await _wait_idle(app, pilot)
        assert "✓ Convert SBD labels to PNG" in _text(app, "#steps")
        assert "✓ Verify images and labels" in _text(app, "#steps")
        counts = _text(app, "#counts")
        assert "aug 18" in counts and "trainaug 26" in counts and "labels 26/26" in counts
        assert "No errors." in _text(app, "#errors")
        assert "Complete and verified" in _text(app, "#data-root")
    progress = [m.event for m in seen if isinstance(m, DataEvent) and isinstance(m.event, Progress)]
    assert any(e.step == "convert" and e.done == e.total == 26 for e in progress)


@pytest.mark.slow
async def test_download_from_a_mirror_then_cancel_and_resume(
        sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOCSEG_VOC_URL", mirror.serve(sample_archives.voc))
    monkeypatch.setenv("VOCSEG_VOC_MD5", md5(sample_archives.voc))
    monkeypatch.setenv("VOCSEG_SBD_URL", mirror.serve(sample_archives.sbd))
    monkeypatch.setenv("VOCSEG_SBD_MD5", md5(sample_archives.sbd))
    (tmp_path / "project").mkdir()
    project = Project.open(tmp_path / "project")
    mirror.state.rate = 100_000  # slow enough to cancel mid-download
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "No VOC 2012 or SBD data yet" in _text(app, "#counts")
        await pilot.press("r")
        download = app.screen.query_one("#row-download", ProgressRow)
        await until(pilot, lambda: "%" in download.info, 5, "download progress")
        assert "MB" in download.info
        await pilot.press("c")
        await _wait_idle(app, pilot)
        assert "cancelled" in _text(app, "#errors")
        assert "◐ Download SBD" in _text(app, "#steps")
        part = project.data_root / "benchmark.tgz.part"
        kept = part.stat().st_size
        assert kept > 0

        mirror.state.rate = None
        await pilot.press("r")
        await _wait_idle(app, pilot)
        assert "Complete and verified" in _text(app, "#data-root"), _text(app, "#errors")
        assert ("benchmark.tgz", f"bytes={kept}-") in mirror.state.requests
        assert "trainaug 26" in _text(app, "#counts")


async def test_errors_are_listed_with_the_file_and_the_reason(sample_project: Project) -> None:
    (sample_project.sbd_root / "cls" / "2011_000550.mat").write_bytes(b"garbage")
    app = make_app(sample_project)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await _wait_idle(app, pilot)
        errors = _text(app, "#errors")
        assert "2011_000550.mat" in errors and "SegmentationClassAug/2011_000550.png" in errors
        assert "✗ Convert SBD labels to PNG" in _text(app, "#steps")
