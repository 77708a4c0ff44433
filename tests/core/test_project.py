from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vocseg_tui.core.errors import ProjectError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.project import Project, state_dir


def test_state_dir_follows_env_and_is_private(isolated_state_dir: Path) -> None:
    path = state_dir()
    assert path == isolated_state_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_state_dir_tightens_loose_permissions(isolated_state_dir: Path) -> None:
    isolated_state_dir.mkdir(mode=0o755)
    isolated_state_dir.chmod(0o755)
    assert stat.S_IMODE(state_dir().stat().st_mode) == 0o700


def test_missing_project_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as caught:
        Project.open(tmp_path / "nope")
    assert "vocseg-tui sample" in caught.value.hint


def test_a_file_is_not_a_project(tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_text("x")
    with pytest.raises(ProjectError, match="not a folder"):
        Project.open(file)


def test_atomic_write_keeps_old_content_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "config.py"
    target.write_text("old")

    class Boom(Exception):
        pass

    from vocseg_tui.core.fsutil import atomic_writer

    with pytest.raises(Boom), atomic_writer(target) as handle:
        handle.write("half")  # type: ignore[arg-type]
        raise Boom
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.py"]
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
