"""A run whose mIoU stops improving ends early, `succeeded`, saying where and how good it got."""

from __future__ import annotations

import re

import pytest

from tests.core.jobs.helpers import launch, ready, wait_for
from vocseg_tui.core.project import Project

PLATEAU = """_base_ = ['./sample_tiny.py']
train_cfg = dict(max_epochs=3)
custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', min_delta=100.0, patience=1),
]
"""


@pytest.mark.slow
def test_a_plateau_stops_the_run_early_as_succeeded(sample_project: Project) -> None:
    project = ready(sample_project)
    # The hook as the recipe renders it (test_guards.py checks that), but with a gain no run makes
    # in one epoch: a plateau by definition, on a CPU whose BN statistics still move mIoU a bit.
    (project.configs_dir / "plateau.py").write_text(PLATEAU)
    job = wait_for(launch(project, config="configs/plateau.py"),
                   {"failed", "succeeded", "stopped", "lost"}, timeout=120)
    assert job.state.value == "succeeded"
    found = re.fullmatch(r"early-stopped at epoch (\d) \(best mIoU [\d.]+ at epoch (\d)\)", job.failure)
    assert found is not None, job.failure
    assert (found.group(1), found.group(2)) in {("2", "1"), ("2", "2")}
    assert "early-stopped at epoch 2: mIoU did not improve for 1 validations" in job.log_path.read_text()
