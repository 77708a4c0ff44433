"""`vocseg-tui logs`: printing, following, JSON events, job ids, errors and Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vocseg_tui.cli import main
from vocseg_tui.core.jobs import JobState, Registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    run = tmp_path / "work_dirs" / "sample_tiny" / "20261124_153501"
    (run / "vis_data").mkdir(parents=True)
    shutil.copy(FIXTURES / "mmengine_run.log", run / "20261124_153501.log")
    return run.parent


def test_prints_the_whole_log_of_a_work_dir(work_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", str(work_dir)]) == 0
    out = capsys.readouterr().out
    assert out == (FIXTURES / "mmengine_run.log").read_text()


def test_last_lines_only(work_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", str(work_dir), "-n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[-1].endswith("best_mIoU_epoch_3.pth.")


def test_json_lines_hold_losses_and_validations(work_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", str(work_dir), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    train = [r for r in records if r["type"] == "train"]
    vals = [r for r in records if r["type"] == "val"]
    assert len(train) == 6 and {"loss", "lr", "decode.loss_ce", "aux.loss_ce", "eta"} <= set(train[0])
    assert [v["epoch"] for v in vals] == [1, 2, 3] and len(vals[-1]["classes"]) == 21
    assert not any(r["type"] == "diagnosis" for r in records)


def test_a_job_id_resolves_through_the_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = Registry().add(name="oom", config="c.py", work_dir=str(tmp_path / "wd"), cwd=str(tmp_path),
                         state=JobState.FAILED, exit_code=1)
    job.log_path.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "fail_cuda_oom.log", job.log_path)
    assert main(["logs", str(job.id), "--json"]) == 0
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["type"] == "diagnosis" and last["kind"] == "cuda_oom"


@pytest.mark.parametrize("target", ["424242", "/no/such/log"])
def test_unknown_targets_exit_2_with_a_hint(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", target]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "hint: " in err


@pytest.mark.slow
def test_follow_prints_new_lines_and_ctrl_c_exits_130(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("first\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vocseg_tui", "logs", str(log), "-f"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(1.5)
        with log.open("a") as f:
            f.write("second\n")
        time.sleep(1.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert out.splitlines() == ["first", "second"]
    assert "Traceback" not in err
