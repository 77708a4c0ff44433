"""The mmengine line parser on the captured real training, hand-made lines, and fuzzing."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vocseg_tui.core.logs import History, LineParser, PlanEvent, TailReader, TrainEvent, ValEvent, level_of
from vocseg_tui.core.logs.parser import plan_from


def parse_file(path: Path) -> History:
    parser, history = LineParser(), History()
    for line in TailReader(path).read().lines:
        history.add(parser.feed(line))
    return history


def test_real_log_matches_its_scalars_json(fixtures: Path) -> None:
    """Every logged iteration and validation of the real run, cross-checked against the
    full-precision numbers mmengine wrote to scalars.json at the same time."""
    history = parse_file(fixtures / "mmengine_run.log")
    records = [json.loads(line) for line in (fixtures / "scalars.json").read_text().splitlines()]
    train = [r for r in records if "loss" in r]
    vals = [r for r in records if "mIoU" in r]
    assert [t.step for t in history.train] == [r["step"] for r in train]
    for event, record in zip(history.train, train, strict=True):
        for key in ("loss", "decode.loss_ce", "aux.loss_ce", "time", "data_time"):
            assert math.isclose(event.values[key], record[key], rel_tol=2e-3, abs_tol=1e-4)
        assert event.lr is not None and math.isclose(event.lr, record["lr"], rel_tol=1e-4)
        assert event.epoch == record["epoch"] and event.eta is not None
    assert [v.epoch for v in history.validations] == [r["step"] for r in vals]
    for val, record in zip(history.validations, vals, strict=True):
        for key in ("aAcc", "mIoU", "mAcc"):
            assert math.isclose(val.metrics[key], record[key], abs_tol=0.01)
        assert len(val.classes) == 21 and val.classes[0].name == "background"
    best = max(vals, key=lambda r: r["mIoU"])
    assert history.best_val is not None and history.best_val.epoch == best["step"]


def test_progress_knows_the_plan(fixtures: Path) -> None:
    history = parse_file(fixtures / "mmengine_run.log")
    p = history.progress
    assert (p.epoch, p.max_epochs) == (3, 3) and p.iters == 13
    assert "epoch 3/3" in p.describe()


def test_the_status_line_reads_a_long_eta_in_days() -> None:
    """The Logs screen's status line: `ETA 2d 5h`, not Python's `2 days, 5:00:00`."""
    history = History()
    history.add(LineParser().feed("11/24 15:35:04 - mmengine - INFO - Epoch(train) [1][ 5/9000]  "
                                  "lr: 1e-2  eta: 2 days, 5:00:00  time: 1.6  loss: 2.5"))
    assert history.progress.describe() == "epoch 1/? · iter 5/9000 · ETA 2d 5h"


def test_the_plan_is_read_from_a_config_dump_wrapped_over_lines() -> None:
    dumped = ("model = dict(type='EncoderDecoder')\ntrain_cfg = dict(\n    dynamic_intervals=[(10, 1)],"
              "\n    max_epochs=50, type='EpochBasedTrainLoop')\nval_cfg = dict(max_iters=7)\n")
    assert plan_from(dumped) == PlanEvent(max_epochs=50)


def test_console_copy_parses_like_the_run_log(fixtures: Path) -> None:
    a = parse_file(fixtures / "mmengine_run.log")
    b = parse_file(fixtures / "stdout_success.log")
    assert [t.values for t in a.train] == [t.values for t in b.train]
    assert [v.classes for v in a.vals] == [v.classes for v in b.vals]


def test_absent_classes_are_none_not_nan(fixtures: Path) -> None:
    history = parse_file(fixtures / "mmengine_run.log")
    latest = history.latest_val
    assert latest is not None
    bicycle = next(c for c in latest.classes if c.name == "bicycle")
    assert bicycle.iou is None and bicycle.acc is None
    json.dumps(latest.to_json(), allow_nan=False)


def test_iteration_based_lines_with_memory_and_days_of_eta() -> None:
    line = ("2026/11/24 10:00:00 - mmengine - INFO - Iter(train) [  50/40000]  base_lr: 1.0e-02 "
            "lr: 9.9890e-03  eta: 1 day, 2:03:11  time: 0.8812  data_time: 0.0102  memory: 9813  "
            "loss: 1.9312  decode.loss_ce: 1.3570  aux.loss_ce: 0.5742")
    [event] = LineParser().feed(line)
    assert isinstance(event, TrainEvent)
    assert event.epoch is None and event.step == 50 and event.iters == 40000
    assert event.eta == "1 day, 2:03:11" and event.values["memory"] == 9813
    assert event.lr == 9.989e-03
    val = "11/24 10:10:00 - mmengine - INFO - Iter(val) [1449/1449]    aAcc: 90.1  mIoU: 70.2  mAcc: 80.3"
    history = History()
    history.add([event])
    history.add(LineParser().feed(val))
    assert isinstance(history.vals[0], ValEvent) and history.vals[0].iter == 50


def test_resume_drops_what_came_after_the_checkpoint() -> None:
    parser, history = LineParser(), History()
    head = "2026/11/24 10:00:00 - mmengine - INFO - "
    for i in (5, 10, 15, 20):
        history.add(parser.feed(f"{head}Epoch(train) [1][{i}/20]  lr: 1e-2  loss: {1 / i}"))
    history.add(parser.feed(f"{head}resumed epoch: 0, iter: 10"))
    history.add(parser.feed(f"{head}Epoch(train) [1][15/20]  lr: 1e-2  loss: 0.5"))
    assert [t.step for t in history.train] == [5, 10, 15]
    assert history.train[-1].loss == 0.5


def test_levels() -> None:
    assert level_of("2026/11/24 15:35:04 - mmengine - WARNING - careful") == "WARNING"
    assert level_of("Traceback (most recent call last):") == "ERROR"
    assert level_of("RuntimeError: boom") == "ERROR"
    assert level_of("    backbone.stem.0.weight") is None


_NUMBER = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_any_text_never_raises(text: str) -> None:
    parser = LineParser()
    for line in text.split("\n"):
        parser.feed(line)
        level_of(line)


@settings(max_examples=200, deadline=None)
@given(epoch=st.integers(1, 10_000), it=st.integers(1, 10_000), loss=_NUMBER, lr=_NUMBER)
def test_fuzz_generated_train_lines_round_trip(epoch: int, it: int, loss: float, lr: float) -> None:
    line = (f"2026/11/24 15:35:04 - mmengine - INFO - Epoch(train) [{epoch}][{it:>5}/{it + 3}]  "
            f"lr: {lr:.4e}  eta: 0:00:01  time: 0.0482  loss: {loss:.4f}")
    [event] = LineParser().feed(line)
    assert isinstance(event, TrainEvent)
    assert (event.epoch, event.iter, event.iters) == (epoch, it, it + 3)
    assert event.loss == float(f"{loss:.4f}") and event.lr == float(f"{lr:.4e}")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    "2026/11/24 15:35:05 - mmengine - INFO - per class results:",
    "2026/11/24 15:35:05 - mmengine - INFO - ",
    "+-------------+-------+-------+", "|    Class    |  IoU  |  Acc  |", "|  cat | 1.0 | nan |",
    "| broken", "2026/11/24 15:35:05 - mmengine - INFO - Epoch(val) [1][6/6]    aAcc: 1.0  mIoU: 2.0",
]), max_size=30))
def test_fuzz_table_fragments_in_any_order(lines: list[str]) -> None:
    parser = LineParser()
    for line in lines:
        for event in parser.feed(line):
            assert isinstance(event, ValEvent) and event.miou == 2.0


def test_level_tracker_keeps_blocks_together() -> None:
    from vocseg_tui.core.logs.parser import LevelTracker

    tracker = LevelTracker()
    lines = [
        "11/24 16:05:25 - mmengine - INFO - Config:",
        "base_lr = 0.4",
        "/x/package_utils.py:17: UserWarning: pkg_resources is deprecated as an API.",
        "  import pkg_resources",
        "Traceback (most recent call last):",
        '  File "train.py", line 1, in <module>',
        "RuntimeError: boom",
        "[vocseg supervisor 2026-11-24 16:06:36] job 1: finished: failed (exit code 1)",
        "11/24 16:05:26 - mmengine - WARNING - careful",
    ]
    assert [tracker.feed(line) for line in lines] == [1, 1, 2, 2, 3, 3, 3, 3, 2]
