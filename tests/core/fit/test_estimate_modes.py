"""The estimator reads AMP and SyncBN from the config itself: one real estimate (child process)
of the sample model with SyncBN and an AmpOptimWrapper."""

from __future__ import annotations

from vocseg_tui.core.fit import estimate_fit
from vocseg_tui.core.fit.estimate import GIB
from vocseg_tui.core.project import Project


def test_an_amp_syncbn_config_is_traced_under_autocast_and_syncbn_s_extra_is_stated(
        sample_project: Project) -> None:
    config = sample_project.configs_dir / "sync_amp.py"
    config.write_text("_base_ = ['./sample_tiny.py']\n"
                      "num_gpus = 4\n"
                      "norm_cfg = dict(type='SyncBN', requires_grad=True)\n"
                      "model = dict(backbone=dict(norm_cfg=norm_cfg), decode_head=dict(norm_cfg=norm_cfg),\n"
                      "             auxiliary_head=dict(norm_cfg=norm_cfg))\n"
                      "optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')\n")
    estimate = estimate_fit(config, cwd=sample_project.root)
    assert estimate.amp and estimate.activation_dtype in ("float16", "bfloat16")
    assert estimate.norm == "SyncBN"
    # The gathered statistics of 4 processes: kilobytes, stated beside a peak of megabytes.
    assert 0 < estimate.syncbn_extra_gib * GIB < 64 * 1024 < estimate.peak_gib * GIB
