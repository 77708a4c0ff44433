"""A training that raises, or is killed, ends `failed` with what a user needs to know."""

from __future__ import annotations

import os
import signal
import textwrap

import pytest

from tests.core.jobs.helpers import ONE_EPOCH, launch, ready, wait_for, wait_for_text
from vocseg_tui.core.jobs import Registry
from vocseg_tui.core.project import Project

FAILING_HOOK = textwrap.dedent("""
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    @HOOKS.register_module()
    class FailAtIterHook(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter >= 2:
                raise RuntimeError("injected failure: the loss exploded at iteration 3")
""")
FAILING_CONFIG = textwrap.dedent("""
    _base_ = ['./sample_tiny.py']
    custom_imports = dict(imports=['failing_hook'], allow_failed_imports=False)
    custom_hooks = [dict(type='FailAtIterHook')]
""")


@pytest.mark.slow
def test_training_that_raises_fails_with_exit_code_and_error_lines(
        sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project = ready(sample_project)
    (project.root / "failing_hook.py").write_text(FAILING_HOOK)
    (project.configs_dir / "failing.py").write_text(FAILING_CONFIG)
    # the hook's folder first, and still the code under test (a worktree's, not the installed one)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(project.root),
                                                                   os.environ.get("PYTHONPATH")])))
    job_id = launch(project, "--retries", "2", config="configs/failing.py")  # never retried: a bug
    job = wait_for(job_id, {"failed", "succeeded", "stopped", "lost"}, timeout=120)
    assert job.state.value == "failed"
    assert job.exit_code == 1 and job.signal is None
    assert "injected failure: the loss exploded at iteration 3" in job.failure
    # The registry is written first (a full disk loses nothing); the file follows a moment later.
    assert wait_for_text(job.paths.exit_code, "1", timeout=30).strip() == "1"
    log = job.log_path.read_text()
    assert "not retrying" in log
    assert not Registry().children(job_id), "a failure that would happen again is not retried"


@pytest.mark.slow
def test_training_killed_by_sigkill_fails_with_signal_9(sample_project: Project) -> None:
    project = ready(sample_project)
    job_id = launch(project, *ONE_EPOCH)
    job = wait_for(job_id, {"running"}, what="train_pid")
    wait_for_text(job.log_path, "Epoch(train) [1][ 5/13]")
    os.kill(job.train_pid or 0, signal.SIGKILL)
    job = wait_for(job_id, {"failed", "succeeded", "stopped", "lost"}, timeout=60)
    assert job.state.value == "failed"
    assert job.signal == 9 and job.exit_code == 128 + 9
    assert "SIGKILL" in job.failure
