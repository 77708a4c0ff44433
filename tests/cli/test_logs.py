"""`vocseg-tui logs`: printing, following, JSON events, job ids, errors and Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.core.jobs.orphan import Orphan
from vocseg_tui.cli import main
from vocseg_tui.cli.logs import JOB_CHECK_S
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import start_time

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
    assert all(r["schema"] == 1 for r in records)
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


class Output:
    """A child's stdout read line by line in a thread, so a test waits on lines, not on time."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(target=lambda: [self.lines.put(line.rstrip("\n")) for line in stream],
                         daemon=True).start()

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            self.seen.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))


def follow(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "vocseg_tui", "logs", *args, "-f"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@pytest.mark.slow
def test_follow_prints_new_lines_and_ctrl_c_exits_130(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("first\n")
    proc = follow(str(log))
    try:
        out = Output(proc)
        out.wait_for("first")
        with log.open("a") as f:
            f.write("second\n")
        out.wait_for("second")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert out.seen == ["first", "second"]
    assert "Traceback" not in err


@pytest.mark.slow
def test_follow_of_a_job_exits_once_the_job_has_ended(tmp_path: Path) -> None:
    """The job's supervisor is a real process; the job ends, its last lines still print."""
    supervisor = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                                  stdin=subprocess.PIPE, text=True)
    registry = Registry()
    job = registry.add(name="f", config="c.py", work_dir=str(tmp_path / "wd"), cwd=str(tmp_path),
                       state=JobState.RUNNING, supervisor_pid=supervisor.pid,
                       supervisor_started=start_time(supervisor.pid))
    job.log_path.parent.mkdir(parents=True)
    job.log_path.write_text("epoch 1\n")
    proc = follow(str(job.id))
    try:
        out = Output(proc)
        out.wait_for("epoch 1")
        with job.log_path.open("a") as f:
            f.write("epoch 2\nTraceback (most recent call last):\nRuntimeError: boom\n")
        registry.update(job.id, state=JobState.FAILED, exit_code=1)
        assert supervisor.stdin is not None
        supervisor.stdin.close()  # the supervisor writes its end, then exits
        supervisor.wait(timeout=10)
        assert proc.wait(timeout=30) == 0
        out.wait_for("RuntimeError: boom")
    finally:
        proc.kill()
        supervisor.kill()
    assert out.seen == ["epoch 1", "epoch 2", "Traceback (most recent call last):", "RuntimeError: boom"]


@pytest.mark.slow
def test_follow_of_an_orphaned_job_goes_on_until_its_training_is_stopped(tmp_path: Path) -> None:
    """Its supervisor is gone but its training still writes the log: `-f` keeps printing it
    (through several of its job checks) and exits once `stop` ended the training."""
    registry = Registry()
    orphan = Orphan(registry, tmp_path / "wd", tmp_path / "c.py", tmp_path)
    orphan.job.log_path.parent.mkdir(parents=True)
    orphan.job.log_path.write_text("epoch 1\n")
    proc = follow(str(orphan.job.id))
    try:
        out = Output(proc)
        out.wait_for("epoch 1")
        checks = time.monotonic() + 3 * JOB_CHECK_S  # lines written while -f asks about the job
        line = 1
        while time.monotonic() < checks:
            line += 1
            with orphan.job.log_path.open("a") as f:
                f.write(f"epoch {line}\n")
            out.wait_for(f"epoch {line}")
        assert proc.poll() is None, "-f gave up on a job whose training still writes"
        assert main(["stop", str(orphan.job.id)]) == 0
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        orphan.end()
    assert out.seen == [f"epoch {n}" for n in range(1, line + 1)]


HOSTILE = ("ok line\n"
           "path \x1b]52;c;cHduZWQ=\x07 copied\n"  # OSC 52: set the clipboard
           "\x1b]0;owned title\x1b\\ title\n"       # OSC 0: the window title, ST-terminated
           "c1 \u009d0;x\u009c csi \u009b2J done\n"   # the same through C1 controls
           "tab\tstays\n")


def test_control_sequences_are_escaped_unless_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "hostile.log"
    log.write_text(HOSTILE, encoding="utf-8")
    assert main(["logs", str(log)]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x1b\x07\u009b\u009c\u009d")
    assert out.splitlines() == ["ok line", "path ?]52;c;cHduZWQ=? copied", "?]0;owned title?\\ title",
                                "c1 ?0;x? csi ?2J done", "tab\tstays"]
    assert main(["logs", str(log), "--raw"]) == 0
    assert capsys.readouterr().out == HOSTILE


def test_errors_quoting_a_hostile_name_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "/no/such/\x1b]0;title\x07"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "?]0;title?" in err
