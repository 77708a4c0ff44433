"""The launch check refuses a GPU too small for the run's (cached) memory estimate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.fit import cached_estimate
from vocseg_tui.core.fit.check import QUEUE_MARGIN, memory_refusal, queue_min_free_gib
from vocseg_tui.core.jobs import LaunchRefused
from vocseg_tui.core.jobs.launch import LaunchRequest, prepare
from vocseg_tui.core.project import Project


@pytest.mark.slow
def test_a_gpu_that_cannot_hold_the_run_is_refused_unless_forced(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        sample_fit_cache: Path, isolated_state_dir: Path) -> None:
    convert_like_voc_aug(sample_project)
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"memory_total_mib": 81920},
                                         {"memory_total_mib": 16, "memory_used_mib": 8}]}))
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    config = sample_project.configs_dir / "sample_tiny.py"
    request = LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root, devices=DeviceChoice((1,)))
    assert memory_refusal(config, (1,)) is None  # no estimate yet: unknown never blocks
    assert queue_min_free_gib(config) == 0.0
    shutil.copytree(sample_fit_cache, isolated_state_dir / "fit-cache")  # the estimate, computed once
    estimate = cached_estimate(config)
    assert estimate is not None  # --queue waits for the estimate plus a margin:
    assert queue_min_free_gib(config) == pytest.approx(estimate.peak_gib * QUEUE_MARGIN, abs=1e-3)
    with pytest.raises(LaunchRefused, match=r"needs about .* GiB per GPU.*GPU 1 has 0\.0 GiB free") as err:
        prepare(request, dry_run=True)
    assert "--force" in err.value.hint
    prepare(LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root, devices=DeviceChoice((1,)),
                          force=True), dry_run=True)
    prepare(LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root, devices=DeviceChoice((0,))),
            dry_run=True)
