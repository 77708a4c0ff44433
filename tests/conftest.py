"""Shared fixtures: an isolated state dir for every test, and sample projects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fit_cache import sample_estimated, sample_fit_cache
from tests.projects import TwoProjects, two_trained_projects
from tests.training import TrainedRun, train_sample
from vocseg_tui.core.notify.config import CONFIG_DIR_ENV
from vocseg_tui.core.project import STATE_DIR_ENV, Project
from vocseg_tui.core.sample import create_sample

__all__ = ["sample_estimated", "sample_fit_cache"]  # one memory estimate of the sample per session


@pytest.fixture(autouse=True)
def isolated_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may touch the real user's job registry."""
    state = tmp_path / "state"
    monkeypatch.setenv(STATE_DIR_ENV, str(state))
    return state


@pytest.fixture(autouse=True)
def isolated_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read (or send to) the real user's notify.toml."""
    folder = tmp_path / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder


@pytest.fixture(scope="session")
def pristine_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sample project per session; tests copy it rather than regenerate it."""
    root = tmp_path_factory.mktemp("pristine") / "sample"
    create_sample(root)
    return root


@pytest.fixture
def sample_project(pristine_sample: Path, tmp_path: Path) -> Project:
    """A fresh, writable copy of the sample project."""
    root = tmp_path / "project"
    shutil.copytree(pristine_sample, root)
    return Project.open(root)


@pytest.fixture(scope="session")
def trained_sample(tmp_path_factory: pytest.TempPathFactory, pristine_sample: Path) -> TrainedRun:
    """The sample project trained once per session (3 epochs on CPU, about 12 s).

    Read-only: a test that changes the run must copy `trained_sample.project.root` first.
    """
    root = tmp_path_factory.mktemp("trained") / "sample"
    shutil.copytree(pristine_sample, root)
    return train_sample(Project.open(root))


@pytest.fixture
def two_projects(trained_sample: TrainedRun, tmp_path: Path) -> TwoProjects:
    """Two trained projects with a job each in this test's registry (the other's run newer)."""
    return two_trained_projects(trained_sample, tmp_path)
