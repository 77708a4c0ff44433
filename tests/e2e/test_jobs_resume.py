"""Stop after epoch 1 of 3, resume: epochs 2 and 3 run once each, the LR schedule continues."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, launch, ready, wait_for
from tests.core.notify.servers import http_recorder
from tests.training import TrainedRun
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.config import save_channels
from vocseg_tui.core.project import Project

END = {"succeeded", "failed", "stopped", "lost"}


def _train_scalars(work_dir: Path) -> dict[int, float]:
    """step -> lr of every training line mmengine wrote, over all runs in the work dir."""
    lrs: dict[int, float] = {}
    for scalars in sorted(work_dir.glob("*/vis_data/scalars.json")):
        for line in scalars.read_text().splitlines():
            row = json.loads(line)
            if "lr" in row:
                lrs[row["step"]] = row["lr"]
    return lrs


@pytest.mark.slow
def test_stop_after_epoch_then_resume_continues_where_it_stopped(
        sample_project: Project, trained_sample: TrainedRun) -> None:
    project = ready(sample_project)
    with http_recorder() as channel:  # who asked to hear of stops hears of this one
        save_channels([WebhookChannel(name="stops", url=channel.url, on=("stopped",))])
        first = launch(project)
        cli("stop", str(first), "--after-epoch", cwd=project.root)  # arrives during epoch 1
        job = wait_for(first, END, timeout=120)
        assert job.state.value == "stopped", job.failure
        [told] = [request.json() for request in channel.wait_for(1)]
    assert (told["event"], told["job"], told["epoch"]) == ("stopped", first, 1)
    assert f"vocseg-tui resume {first}" in told["message"]
    work_dir = Path(job.work_dir)
    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == ["epoch_1.pth"]
    assert Path((work_dir / "last_checkpoint").read_text().strip()).name == "epoch_1.pth"
    assert "Epoch(val) [1]" in job.log_path.read_text(), "the stopped epoch is still validated"

    second = json.loads(cli("resume", str(first), "--json", cwd=project.root).stdout)["id"]
    resumed = wait_for(second, END, timeout=150)
    assert resumed.state.value == "succeeded", resumed.failure
    assert resumed.parent_id == first and resumed.attempt == 2
    assert Path(resumed.resume_from) == work_dir / "epoch_1.pth"
    log = resumed.log_path.read_text()
    assert "resumed epoch: 1, iter: 13" in log
    trained = [int(e) for e in re.findall(r"Saving checkpoint at (\d+) epochs", log)]
    assert trained == [2, 3], "epochs 2 and 3 run once each, epoch 1 not again"
    assert "Epoch(train) [1]" not in log
    assert Path((work_dir / "last_checkpoint").read_text().strip()).name == "epoch_3.pth"
    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == [
        "epoch_1.pth", "epoch_2.pth", "epoch_3.pth"]

    # The schedule continues: the LR at every step equals that of an uninterrupted run.
    ours, reference = _train_scalars(work_dir), _train_scalars(trained_sample.work_dir)
    assert set(ours) == set(reference)
    for step, lr in reference.items():
        assert ours[step] == pytest.approx(lr, rel=1e-6), f"step {step}"
