"""One real memory estimate of the sample model per session, shared by the tests that need
an estimate to exist (launch refusal, "won't fit", `fit --json`): the estimator runs once
(about 5 s) and each test gets a copy of its cache in its own isolated state dir. Registered
in tests/conftest.py, so the session fixture is one fixture for every module."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vocseg_tui.core.fit import estimate_fit
from vocseg_tui.core.project import STATE_DIR_ENV


@pytest.fixture(scope="session")
def sample_fit_cache(tmp_path_factory: pytest.TempPathFactory, pristine_sample: Path) -> Path:
    state = tmp_path_factory.mktemp("fit-state")
    saved = os.environ.get(STATE_DIR_ENV)
    os.environ[STATE_DIR_ENV] = str(state)
    try:
        estimate_fit(pristine_sample / "configs" / "sample_tiny.py", cwd=pristine_sample)
    finally:
        if saved is None:
            os.environ.pop(STATE_DIR_ENV, None)
        else:
            os.environ[STATE_DIR_ENV] = saved
    return state / "fit-cache"


@pytest.fixture
def sample_estimated(sample_fit_cache: Path, isolated_state_dir: Path) -> None:
    """The sample's estimate (at its own batch) is in this test's cache."""
    shutil.copytree(sample_fit_cache, isolated_state_dir / "fit-cache", dirs_exist_ok=True)
