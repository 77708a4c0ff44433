"""The launch back ends by name, and the one way to get the back end of a job.

Screens and commands only call `backend_for(job, registry)` (and iterate BACKENDS to offer
the choice); the interface is in base.py, the back ends in local.py (local, tmux) and slurm.py.
"""

from __future__ import annotations

from vocseg_tui.core.jobs.base import STARTUP_GRACE_S, LaunchBackend
from vocseg_tui.core.jobs.errors import JobError
from vocseg_tui.core.jobs.local import LocalBackend, TmuxBackend
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.slurm import SlurmBackend

BACKENDS: dict[str, type[LaunchBackend]] = {b.name: b for b in (LocalBackend, TmuxBackend, SlurmBackend)}
DEFAULT_BACKEND = LocalBackend.name

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "STARTUP_GRACE_S", "LaunchBackend", "LocalBackend", "SlurmBackend",
           "TmuxBackend", "backend_for"]


def backend_for(job: Job, registry: Registry) -> LaunchBackend:
    """The back end that launched `job`."""
    try:
        return BACKENDS[job.backend](registry)
    except KeyError:
        raise JobError(f"job {job.id} uses the unknown back end {job.backend!r}",
                       "upgrade vocseg-tui to control it") from None
