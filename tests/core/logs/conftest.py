"""Fixtures of the logs tests: the checked-in capture of a real sample training."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """A work dir laid out as mmengine writes it, holding the captured run."""
    run = tmp_path / "work_dirs" / "sample_tiny" / "20261124_153501"
    (run / "vis_data").mkdir(parents=True)
    (run / "20261124_153501.log").write_bytes((FIXTURES / "mmengine_run.log").read_bytes())
    (run / "vis_data" / "scalars.json").write_bytes((FIXTURES / "scalars.json").read_bytes())
    return run.parent
