"""The whole loop headless, as a script on a GPU server would run it (issue 9, part 2).

sample -> prepare -> recipe --write -> train -> jobs -> stop --after-epoch -> resume -> ckpts
-> demo, every step a real `vocseg-tui` process, real training of the sample on CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import wait_until


class Cli:
    def __init__(self, project: Path) -> None:
        self.project = project

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "vocseg_tui", "--project", str(self.project), *args],
            cwd=self.project, capture_output=True, text=True, check=False, timeout=180)
        assert done.returncode == expect, (
            f"step `vocseg-tui {' '.join(args)}` exited {done.returncode}, expected {expect}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def job(self, job_id: int) -> dict[str, Any]:
        jobs = {job["id"]: job for job in self.json("jobs")["jobs"]}
        return dict(jobs[job_id])

    def wait_state(self, job_id: int, states: set[str], step: str, timeout: float = 150) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            job = self.job(job_id)
            return job if job["state"] in states else None

        return wait_until(reached, timeout, f"step '{step}': job {job_id} reaching {sorted(states)}",
                          interval=0.5, describe=lambda: str(self.job(job_id)))


@pytest.mark.slow
def test_whole_loop_headless(tmp_path: Path) -> None:
    project = tmp_path / "project"
    cli = Cli(tmp_path)
    cli.run("sample", str(project))
    cli = Cli(project)

    prepared = cli.json("prepare")
    assert prepared["complete"] and not prepared["failed"]
    assert prepared["trainaug"] == prepared["train"] + prepared["aug"] > prepared["train"]

    recipe = cli.json("recipe", "--gpus", "cpu", "--batch", "2", "--epochs", "3", "--name", "loop",
                      "--write", "configs/loop.py")
    assert recipe["total_batch"] == 2 and recipe["iters_per_epoch"] == -(-prepared["trainaug"] // 2)
    cli.run("check", "configs/loop.py")

    job_id = cli.json("train", "configs/loop.py", "--gpus", "cpu")["id"]
    # Asked at once, the stop lands at the end of epoch 1 (imports alone take seconds).
    cli.run("stop", str(job_id), "--after-epoch")
    stopped = cli.wait_state(job_id, {"stopped", "succeeded", "failed"}, "stop after epoch")
    assert stopped["state"] == "stopped", stopped
    work_dir = Path(stopped["work_dir"])
    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == ["epoch_1.pth"]

    resumed = cli.json("resume", str(job_id))["id"]
    done = cli.wait_state(resumed, {"succeeded", "failed", "stopped", "lost"}, "resume to the end")
    assert done["state"] == "succeeded" and done["parent_id"] == job_id, done
    assert (work_dir / "epoch_3.pth").is_file()
    assert "resumed epoch: 1" in cli.run("logs", str(resumed)).stdout
    attempt = (work_dir / f".vocseg/job-{resumed}/job.log").read_text()
    assert "Epoch(train) [2]" in attempt and "Epoch(train) [3]" in attempt
    assert "Epoch(train) [1]" not in attempt, "the resumed attempt must not train epoch 1 again"

    checkpoints = cli.json("ckpts", str(work_dir))["checkpoints"]
    best = [c for c in checkpoints if c["best"]]
    assert len(best) == 1 and all(c["ok"] for c in checkpoints)

    out = project / "outputs" / "loop_demo.png"
    cli.run("demo", best[0]["path"], "--out", str(out))
    assert out.is_file() and out.stat().st_size > 1000
