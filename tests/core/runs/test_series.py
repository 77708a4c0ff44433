"""The compare charts' curves (core/runs/series.py): runs of different total batch meet on the
same epochs and samples seen, where their iterations differ; the published mIoU travels along."""

from __future__ import annotations

from pathlib import Path

from tests.synthetic_runs import write_run
from vocseg_tui.core.runs.disk import read_facts
from vocseg_tui.core.runs.model import RunRow
from vocseg_tui.core.runs.series import compare_series


def _row(work_dir: Path) -> RunRow:
    return RunRow(work_dir.name, str(work_dir), "done", (), read_facts(work_dir), 0.0, None)


def _run(root: Path, name: str, batch_per_gpu: int, iters_per_epoch: int) -> Path:
    work_dir = write_run(root / name, epochs=3, max_epochs=8, iters_per_epoch=iters_per_epoch)
    dump = work_dir / f"{name}.py"
    dump.write_text(dump.read_text().replace("batch_per_gpu=8,", f"batch_per_gpu={batch_per_gpu},")
                    .replace("dataset_size=10582,", "dataset_size=160,"))
    return work_dir


def test_different_batches_share_epochs_and_samples_seen(tmp_path: Path) -> None:
    big, small = compare_series([_row(_run(tmp_path, "b16", 8, 10)), _row(_run(tmp_path, "b8", 4, 20))])
    assert (big.name, small.name) == ("b16", "b8")
    # the same epoch's validations: the same samples seen (epoch x dataset size)
    assert big.miou.epochs == small.miou.epochs == [1.0, 2.0, 3.0]
    assert big.miou.samples == small.miou.samples == [160.0, 320.0, 480.0]
    # iteration 10 at batch 16 and iteration 20 at batch 8 are both the end of epoch 1
    assert big.loss.epochs[1] == small.loss.epochs[3] == 1.0
    assert big.loss.samples[1] == small.loss.samples[3] == 160.0
    assert len(big.lr.values) == len(big.loss.values) == 6
    assert big.published_miou == small.published_miou == 74.82
    assert big.miou.xs("samples") == [160.0, 320.0, 480.0]


def test_a_recipe_the_log_contradicts_is_placed_by_the_log(tmp_path: Path) -> None:
    # write_run's recipe says 10582 images (662 iterations an epoch), its log 10 an epoch
    work_dir = write_run(tmp_path / "r", epochs=2, max_epochs=8, iters_per_epoch=10)
    curves = compare_series([_row(work_dir)])[0]
    assert curves.loss.epochs == [0.5, 1.0, 1.5, 2.0]
    assert curves.loss.samples == [80.0, 160.0, 240.0, 320.0]


def test_a_run_without_scalars_has_empty_curves(tmp_path: Path) -> None:
    work_dir = write_run(tmp_path / "r", epochs=1)
    for scalars in work_dir.rglob("scalars.json"):
        scalars.unlink()
    curves = compare_series([_row(work_dir)])[0]
    assert curves.miou.values == curves.loss.values == [] and curves.loss.xs("samples") == []
