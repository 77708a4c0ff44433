"""Errors of the jobs package: each carries a hint the user can act on."""

from __future__ import annotations

from vocseg_tui.core.errors import VocsegError


class JobError(VocsegError):
    """A job could not be launched, stopped or resumed."""


class JobNotFound(JobError):
    """No job with that id in the registry."""


class LaunchRefused(JobError):
    """The launch was refused before anything started (bad config, GPU, work dir)."""
