"""A run whose loss turns NaN stops at once, keeps no broken weights, ends `failed` as diverged."""

from __future__ import annotations

import pytest

from tests.core.jobs.helpers import launch, ready, wait_for, wait_for_text
from tests.core.notify.servers import http_recorder
from vocseg_tui.core.jobs.notices import BACKOFF_ENV
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.config import save_channels
from vocseg_tui.core.project import Project

HUGE_LR = ["--cfg-options", "train_cfg.max_epochs=2", "optim_wrapper.optimizer.lr=1000000.0"]


@pytest.mark.slow
def test_a_diverging_run_is_stopped_by_the_nan_guard_and_announced(
        sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKOFF_ENV, "0")
    project = ready(sample_project)
    with http_recorder() as server:
        save_channels([WebhookChannel(name="team", url=server.url, on=("diverged",))])
        job_id = launch(project, *HUGE_LR)
        job = wait_for(job_id, {"failed", "succeeded", "stopped", "lost"}, timeout=120)
        [request] = server.wait_for(1)
    assert job.state.value == "failed"
    assert job.failure.startswith("loss became NaN at epoch 1, iteration "), job.failure
    assert "(lr " in job.failure and "lower the LR" in job.failure
    sent = request.json()
    assert sent["event"] == "diverged" and sent["state"] == "failed"
    assert "diagnosis: loss became NaN" in sent["message"]
    assert not list(job.paths.work_dir.glob("epoch_*.pth")), "the broken weights are never saved"
    log = wait_for_text(job.log_path, "notified team (diverged)")
    assert "stopped without saving these weights" in log
    assert "Traceback" not in log
