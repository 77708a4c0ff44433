"""Every notification test keeps its settings in its own tmp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from vocseg_tui.core.notify.config import CONFIG_DIR_ENV


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder
