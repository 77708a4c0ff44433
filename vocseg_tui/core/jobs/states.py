"""Job states and the exit statuses the supervisor maps to them.

A job is `queued` while its supervisor waits for devices, `running` while training runs, and
ends `succeeded`, `failed` or `stopped`. `lost` means the supervisor vanished without writing
an end (machine reboot, OOM killer, `kill -9` of the supervisor): a job must never look
`running` forever.
"""

from __future__ import annotations

import enum


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    LOST = "lost"

    @property
    def is_active(self) -> bool:
        """A supervisor should still be alive for this job."""
        return self in (JobState.QUEUED, JobState.RUNNING)

    @property
    def is_failure(self) -> bool:
        """The job ended without finishing its training or being asked to stop."""
        return self in (JobState.FAILED, JobState.LOST)

    @property
    def can_resume(self) -> bool:
        return self in (JobState.FAILED, JobState.STOPPED, JobState.LOST)


ACTIVE_STATES = tuple(s.value for s in JobState if s.is_active)

STOPPED_EXIT = 85
"""tools/train.py exits with this after a clean "stop after this epoch" (one process).
Under torchrun a worker's non-zero status would read as a crash, so there it exits 0 and
writes the job's `stopped` marker file instead (see JobPaths.stopped_marker)."""
