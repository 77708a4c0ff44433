"""The sample project is real: its tiny config trains with mmseg's own tools/train.py on CPU."""

from __future__ import annotations

import pytest

from tests.training import TrainedRun


@pytest.mark.slow
def test_sample_config_trains_three_epochs_on_cpu(trained_sample: TrainedRun) -> None:
    work_dir = trained_sample.work_dir
    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == [
        "epoch_1.pth", "epoch_2.pth", "epoch_3.pth"]
    assert list(work_dir.glob("best_mIoU_epoch_*.pth"))
    assert "Epoch(train) [3]" in trained_sample.log, "an epoch-based run must log by epoch"
    assert "mIoU" in trained_sample.log
    # Its speed (about 12 s on 2 idle cores) is measured, not asserted: a loaded CI machine
    # must not fail a correct run.
