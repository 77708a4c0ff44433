"""Every per-job file in one place, derived from the work dir and the job id (like submitit's
JobPaths), so the supervisor, tools/train.py, the CLI and the screens agree on names.

The files live in the run's work dir (`<work_dir>/.vocseg/job-<id>/`), not in the registry:
they stay next to the checkpoints they describe, and a Slurm back end on a shared file system
sees them from every node.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STOP_FILE_ENV = "VOCSEG_STOP_FILE"
"""tools/train.py reads the stop-after-epoch request file's path from this variable."""
STOPPED_MARKER_ENV = "VOCSEG_STOPPED_MARKER"
"""tools/train.py writes this file when it stopped cleanly after an epoch on request."""
REPRO_NAME = "repro.json"


@dataclass(frozen=True)
class JobPaths:
    work_dir: Path
    job_id: int | None
    """None before the job is registered (a dry run): the folder then reads `job-<id>`."""

    @property
    def folder(self) -> Path:
        return self.work_dir / ".vocseg" / f"job-{'<id>' if self.job_id is None else self.job_id}"

    @property
    def log(self) -> Path:
        """Everything the supervisor and the training print (stdout and stderr)."""
        return self.folder / "job.log"

    @property
    def exit_code(self) -> Path:
        """The training's exit status as text, written by the supervisor at the end."""
        return self.folder / "exit_code"

    @property
    def stop_request(self) -> Path:
        """Present: stop now (SIGINT, then SIGTERM, then SIGKILL)."""
        return self.folder / "stop"

    @property
    def stop_after_epoch_request(self) -> Path:
        """Present: save a checkpoint at the end of the current epoch and exit cleanly."""
        return self.folder / "stop_after_epoch"

    @property
    def stopped_marker(self) -> Path:
        """Written by tools/train.py after it stopped on request (holds the epoch)."""
        return self.folder / "stopped"

    @property
    def repro(self) -> Path:
        """The attempt's reproducibility record (code, packages, driver, data), written by
        tools/train.py at start; a second attempt in the same folder adds `repro-<stamp>.json`."""
        return self.folder / REPRO_NAME

    @property
    def time_limit_marker(self) -> Path:
        """Written by a Slurm batch script when SIGUSR1 came with the time limit near (Slurm's
        `--signal`, not the user): the run then continues as a new attempt."""
        return self.folder / "time_limit"

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
