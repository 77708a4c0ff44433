"""Errors of the jobs package: each carries a hint the user can act on."""

from __future__ import annotations

from pathlib import Path

from vocseg_tui.core.errors import VocsegError


class JobError(VocsegError):
    """A job could not be launched, stopped or resumed."""


class JobNotFound(JobError):
    """No job with that id in the registry."""


class LaunchRefused(JobError):
    """The launch was refused before anything started (bad config, GPU, work dir)."""


class WorkDirHoldsRun(LaunchRefused):
    """A fresh launch into a work dir holding another run's files (the UI asks, the CLI refuses);
    `new_dir` is where `--new-run` would train instead."""

    def __init__(self, message: str, hint: str, *, work_dir: Path, new_dir: Path) -> None:
        super().__init__(message, hint)
        self.work_dir = work_dir
        self.new_dir = new_dir
