"""The look of the shell, pinned by SVG snapshots (update with `pytest --snapshot-update`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app

# A fixed path, because the header shows the project folder.


@pytest.fixture
def snapshot_project(pristine_sample: Path, snapshot_home: Path) -> Project:
    folder = snapshot_home / "vocseg-snapshot-project"
    shutil.copytree(pristine_sample, folder)
    return Project.open(folder)


def test_shell_80x24(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(snapshot_project), terminal_size=(80, 24))


def test_help_80x24(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(snapshot_project), terminal_size=(80, 24),
                        press=["question_mark"])


def test_jobs_light_160x48(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    app = make_app(snapshot_project, theme="light")
    assert snap_compare(app, terminal_size=(160, 48), press=["4"])
