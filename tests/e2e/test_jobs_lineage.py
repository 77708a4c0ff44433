"""Resume continues the same run even in a work dir another run also trained into."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, launch, ready, wait_for
from vocseg_tui.core.jobs import Registry
from vocseg_tui.core.jobs.launch import LaunchRequest, prepare, start
from vocseg_tui.core.project import Project

END = {"succeeded", "failed", "stopped", "lost"}


@pytest.mark.slow
def test_resume_continues_the_new_run_not_the_older_runs_higher_epoch(sample_project: Project) -> None:
    project = ready(sample_project)
    old = wait_for(launch(project, "--cfg-options", "train_cfg.max_epochs=2"), END, timeout=150)
    assert old.state.value == "succeeded", old.failure
    work_dir = Path(old.work_dir)
    assert {p.name for p in work_dir.glob("epoch_*.pth")} == {"epoch_1.pth", "epoch_2.pth"}

    refused = cli("train", "configs/sample_tiny.py", cwd=project.root, check=False)
    assert refused.returncode == 2 and f"already holds job {old.id}'s run (succeeded)" in refused.stderr

    # A new 3-epoch run into the same folder, as launches did before they refused it: planned
    # for a fresh folder by the lower layer, then pointed at the old one.
    registry = Registry()
    prepared = prepare(LaunchRequest(Path("configs/sample_tiny.py"), project.root,
                                     work_dir=project.root / "fresh"), registry)
    new = start(replace(prepared, spec=replace(prepared.spec, work_dir=str(work_dir))), registry).id
    cli("stop", str(new), "--after-epoch", cwd=project.root)  # arrives during epoch 1
    stopped = wait_for(new, END, timeout=120)
    assert stopped.state.value == "stopped", stopped.failure
    # The folder now mixes the runs: the old run's epoch_2 is the highest-numbered file.
    assert {p.name for p in work_dir.glob("epoch_*.pth")} == {"epoch_1.pth", "epoch_2.pth"}

    dry = cli("train", "configs/sample_tiny.py", "--resume", "--dry-run", cwd=project.root)
    assert f"would resume from {work_dir / 'epoch_1.pth'}" in dry.stdout

    resumed_id = json.loads(cli("resume", str(new), "--json", cwd=project.root).stdout)["id"]
    resumed = wait_for(resumed_id, END, timeout=150)
    assert resumed.state.value == "succeeded", resumed.failure
    assert Path(resumed.resume_from) == work_dir / "epoch_1.pth" and resumed.parent_id == new
    log = resumed.log_path.read_text()
    assert "resumed epoch: 1, iter: 13" in log
    assert [int(e) for e in re.findall(r"Saving checkpoint at (\d+) epochs", log)] == [2, 3]
    saved = {Path(p).name for _, p, _ in registry.saved_by([new, resumed_id])}
    assert saved == {"epoch_1.pth", "epoch_2.pth", "epoch_3.pth"}, "each attempt's files are recorded"
