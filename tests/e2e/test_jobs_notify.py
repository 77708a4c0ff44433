"""The supervisor tells the user's channels how a real job ended; a dead channel changes nothing.

The job is also the early-stopping run (one training for both): a plateau ends it `succeeded`
after epoch 2 of 3, saying where and how good it got.
"""

from __future__ import annotations

import re

import pytest

from tests.core.jobs.helpers import launch, ready, wait_for, wait_for_text
from tests.core.notify.servers import closed_port, http_recorder
from tests.waiting import wait_until
from vocseg_tui.core.jobs.notices import BACKOFF_ENV, failed_notifications
from vocseg_tui.core.jobs.overview import JobRow
from vocseg_tui.core.jobs.progress import Progress
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.config import save_channels
from vocseg_tui.core.project import Project
from vocseg_tui.tui.widgets.job_detail import describe

# The hook as the recipe renders it (test_guards.py checks that), but with a gain no run makes in
# one epoch: a plateau by definition, on a CPU whose BN statistics still move mIoU a bit.
PLATEAU = """_base_ = ['./sample_tiny.py']
train_cfg = dict(max_epochs=3)
custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', min_delta=100.0, patience=1),
]
"""


@pytest.mark.slow
def test_a_finished_job_is_announced_and_a_refused_channel_is_only_recorded(
        sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKOFF_ENV, "0")  # the supervisor inherits it: retries without waiting
    monkeypatch.setenv("VOCSEG_BEST_EVERY_S", "0.2")  # the scalars looked at often: the run is short
    project = ready(sample_project)
    with http_recorder() as server, http_recorder() as scores:
        save_channels([WebhookChannel(name="dead", url=f"http://127.0.0.1:{closed_port()}/hook"),
                       WebhookChannel(name="team", url=server.url),
                       WebhookChannel(name="scores", url=scores.url, on=("best",))])
        (project.configs_dir / "plateau.py").write_text(PLATEAU)
        job_id = launch(project, config="configs/plateau.py")
        job = wait_for(job_id, {"failed", "succeeded", "stopped", "lost"}, timeout=120)
        [request] = server.wait_for(1)
        bests = [r.json() for r in scores.wait_for(1)]
    # the first validation is a new best; the plateau's second one cannot beat it by much
    assert {b["event"] for b in bests} == {"best"} and bests[0]["best_epoch"] in (1, 2)
    assert bests[0]["state"] == "running" and bests[0]["best_miou"] is not None
    assert job.state.value == "succeeded", "a refused channel never changes the job's end"
    sent = request.json()
    assert sent["event"] == "succeeded" and sent["job"] == job_id and sent["state"] == "succeeded"
    assert sent["run"] == job.name and sent["host"]
    assert (sent["epoch"], sent["max_epochs"]) == (2, 3)
    assert sent["best_miou"] is not None and sent["best_epoch"] in (1, 2)
    found = re.fullmatch(r"early-stopped at epoch 2 \(best mIoU ([\d.]+) at epoch (\d)\)", job.failure)
    assert found is not None, job.failure
    assert (float(found.group(1)), int(found.group(2))) == (round(sent["best_miou"], 2), sent["best_epoch"])
    assert sent["wall_s"] > 0 and sent["log"] == str(job.log_path)
    assert f"vocseg-tui logs {job_id}" in sent["message"]
    log = wait_for_text(job.log_path, "notification to dead failed")
    assert "early-stopped at epoch 2: mIoU did not improve for 1 validations" in log
    assert "notified team (succeeded)" in log
    [failure] = wait_until(lambda: failed_notifications(job.paths), 20,
                           "notify.json recording the refused channel")
    assert failure.startswith("notification to dead (succeeded) failed:")
    shown = describe(JobRow(job=job, progress=Progress(), attach=None))
    assert "notification to dead (succeeded) failed" in shown, "the Jobs screen's detail says it"
