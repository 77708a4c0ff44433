"""Detached training jobs: the registry, launch back ends, states, queue and retry rules.

Screens and commands use `Registry` to read jobs, `backend_for(job, registry)` to control
them, and `launch`/`resume` (vocseg_tui.core.jobs.launch) to start them.
"""

from vocseg_tui.core.jobs.backend import BACKENDS, LaunchBackend, backend_for
from vocseg_tui.core.jobs.errors import JobError, JobNotFound, LaunchRefused
from vocseg_tui.core.jobs.paths import JobPaths
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import JobState

__all__ = [
    "BACKENDS", "Job", "JobError", "JobNotFound", "JobPaths", "JobState", "LaunchBackend",
    "LaunchRefused", "Registry", "backend_for",
]
