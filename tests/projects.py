"""Two projects in one registry: the registry is per user, so every list must keep them apart."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tests.training import TrainedRun
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import Project


@dataclass(frozen=True)
class TwoProjects:
    """`mine` (the project the app or CLI opens) and `other`, each with a trained run and a job.

    The other project's run is the newer one, so a list that mixes projects shows it first
    (and the Demo used to default to its checkpoint)."""

    mine: Project
    other: Project
    my_job: int
    other_job: int

    @property
    def my_run(self) -> Path:
        return self.mine.work_dirs / "sample_tiny"

    @property
    def other_run(self) -> Path:
        return self.other.work_dirs / "other_tiny"


def two_trained_projects(trained: TrainedRun, folder: Path) -> TwoProjects:
    mine = Project.open(shutil.copytree(trained.project.root, folder / "my-project"))
    other = Project.open(shutil.copytree(trained.project.root, folder / "other-project"))
    (other.work_dirs / "sample_tiny").rename(other.work_dirs / "other_tiny")
    later = time.time() + 60
    for path in (other.work_dirs / "other_tiny").glob("*.pth"):
        os.utime(path, (later, later))
    registry = Registry()
    runs = ((mine, mine.work_dirs / "sample_tiny"), (other, other.work_dirs / "other_tiny"))
    ids = [registry.add(name=run.name, config=str(project.configs_dir / "sample_tiny.py"),
                        work_dir=str(run), cwd=str(project.root), backend="local",
                        state=JobState.SUCCEEDED).id
           for project, run in runs]
    return TwoProjects(mine, other, ids[0], ids[1])
