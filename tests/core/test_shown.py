"""Paths on screen read `~/...` under the home folder; commands shown stay pasteable."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from vocseg_tui.core.shown import shown, shown_command


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "alice"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def test_paths_under_home_read_from_the_tilde(home: Path) -> None:
    assert shown(home / "proj" / "work_dirs" / "r") == "~/proj/work_dirs/r"
    assert shown(home) == "~"
    assert shown(str(home) + "-other/x") == str(home) + "-other/x"  # a sibling is not under home
    assert shown("/srv/data/VOC") == "/srv/data/VOC"


def test_a_shown_command_pastes_into_a_shell_as_the_same_command(home: Path) -> None:
    argv = [str(home / ".venv/bin/python"), str(home / "tools/train.py"), str(home / "my run/cfg.py"),
            "--cfg-options", "a=1 b=2", "/tmp/w"]
    text = shown_command(argv)
    assert text.startswith("~/.venv/bin/python ~/tools/train.py ")
    words = shlex.split(text)
    # what a shell does with the words: `~/` expands to home; a quoted path is left as it is
    expanded = [str(home) + w[1:] if w.startswith("~/") else w for w in words]
    assert expanded == argv
