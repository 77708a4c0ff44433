"""Suggestions from given estimates (no child process): which changes, their LR, their command."""

from __future__ import annotations

from pathlib import Path

from vocseg_tui.core.fit import FitEstimate
from vocseg_tui.core.fit.estimate import GIB
from vocseg_tui.core.fit.suggest import suggestions


def estimate(peak: float, *, batch: int = 8, crop: int = 512, amp: bool = False) -> FitEstimate:
    raw = peak / 1.115
    return FitEstimate(batch_per_gpu=batch, crop=(crop, crop), peak_gib=peak, params_gib=0.2,
                       activations_gib=raw - 0.6, optimizer_gib=0.2, raw_peak_gib=raw, amp=amp)


def zoo_config(tmp_path: Path) -> Path:
    config = tmp_path / "configs" / "psp.py"
    config.parent.mkdir()
    config.write_text("_base_ = ['mmseg::pspnet/x.py']\n"
                      "vocseg_zoo = {'name': 'pspnet_r50-d8_4xb4-20k_voc12aug-512x512', 'gpus': 2, "
                      "'batch_per_gpu': 8, 'official_iters': 20000, 'official_batch': 16, "
                      "'official_lr': 0.01}\n")
    return config


def test_a_zoo_run_gets_a_smaller_batch_amp_and_the_largest_crop_that_fits(tmp_path: Path) -> None:
    config = zoo_config(tmp_path)
    sizes = {(False, (384, 384)): estimate(9.0, crop=384), (False, (256, 256)): estimate(5.0, crop=256),
             (True, None): estimate(14.0, amp=True)}
    found = suggestions(config, estimate(20.0), 10 * GIB, lambda amp, crop: sizes.get((amp, crop)))
    changes = [s.change for s in found]
    assert changes[0].startswith("batch ") and changes[1].startswith("AMP, batch ")
    assert changes[2] == "crop 384x384" and len(found) == 3  # 384 fits at batch 8: 256 is not offered
    batch = found[0].batch_per_gpu
    assert 0 < batch < 8 and found[0].lr == 0.01 * 2 * batch / 16
    assert found[0].command.startswith("vocseg-tui recipe --from-zoo pspnet_r50-d8_4xb4-20k_voc12aug-512x512")
    assert "vocseg-tui train configs/psp.py --amp" in found[1].command
    assert found[2].lr == 0.01 and found[2].batch_per_gpu == 8
    assert all(s.fits and s.peak_gib <= 10 for s in found)


def test_a_run_that_fits_gets_none_and_missing_estimates_are_left_out(tmp_path: Path) -> None:
    config = zoo_config(tmp_path)
    assert suggestions(config, estimate(8.0), 10 * GIB, lambda amp, crop: None) == []
    only = suggestions(config, estimate(20.0), 10 * GIB, lambda amp, crop: None)
    assert [s.change.split(" ")[0] for s in only] == ["batch"]
