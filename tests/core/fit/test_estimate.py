"""The memory estimate (fake tensors, child process) against a real CPU training step.

Tolerances: the estimator's activations (tensors alive from the forward) within 10 % of the
bytes autograd really saved for backward in a real step; its peak, which also holds the
step's temporaries, between the real parameters + optimizer state + saved tensors and 30 %
above them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vocseg_tui.core.fit import FitUnknown, estimate_fit
from vocseg_tui.core.project import Project

REPO = Path(__file__).resolve().parents[3]


def measured(project: Project, batch: int) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(REPO / "tests" / "workers" / "fit_measure.py"),
         "configs/sample_tiny.py", str(batch)],
        cwd=project.root, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "CUDA_VISIBLE_DEVICES": ""})
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_the_estimate_matches_a_real_cpu_step_of_the_sample_model(
        sample_project: Project, isolated_state_dir: Path, sample_estimated: None) -> None:
    config = sample_project.configs_dir / "sample_tiny.py"
    # The session's one estimate of the sample (its own batch, 2), cached by config hash.
    cached = list((isolated_state_dir / "fit-cache").glob("*.json"))
    assert len(cached) == 1
    answer = json.loads(cached[0].read_text())  # the estimator's raw answer, in bytes
    estimate = estimate_fit(config, cwd=sample_project.root)  # answered from that cache
    real = measured(sample_project, 2)
    assert answer["ok"] and answer["batch_per_gpu"] == 2
    assert answer["params_bytes"] == real["params_bytes"]
    assert answer["optimizer_bytes"] == real["optimizer_bytes"]
    assert answer["breakdown"]["Activation"] == pytest.approx(real["saved_bytes"], rel=0.10)
    floor = real["params_bytes"] + real["optimizer_bytes"] + real["saved_bytes"]
    assert floor * 0.95 <= answer["peak_bytes"] <= floor * 1.30
    assert estimate.batch_per_gpu == 2 and estimate.peak_gib > estimate.params_gib > 0


def test_an_untraceable_config_is_unknown_naming_the_op(sample_project: Project) -> None:
    probe = sample_project.configs_dir / "untraceable.py"
    probe.write_text("_base_ = ['./sample_tiny.py']\n"
                     "custom_imports = dict(imports=['tests.core.fit.opaque_head'], "
                     "allow_failed_imports=False)\n"
                     "model = dict(decode_head=dict(type='OpaqueHead'))\n")
    with pytest.raises(FitUnknown) as err:
        estimate_fit(probe, 2, cwd=REPO)
    assert "opaque_head.py" in err.value.op and ".numpy()" in err.value.message  # the line, and why
