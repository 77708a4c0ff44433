"""A real single-node Slurm for the whole session, or every Slurm test skipped with the reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slurm import cluster as slurm_cluster


@pytest.fixture(scope="session")
def slurm() -> Iterator[slurm_cluster.Cluster]:
    reason = slurm_cluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    # not under pytest's tmp dir: its parents are 0700 and slurmctld runs as user slurm
    folder = Path(tempfile.mkdtemp(prefix="vocseg-slurm-"))
    try:
        started = slurm_cluster.start(folder)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:  # the machine, not our code
        logs = " | ".join(p.read_text(errors="replace")[-300:] for p in (folder / "log").glob("*.log"))
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"the test Slurm did not start: {error} {logs}")
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(started.conf)  # sbatch/squeue here and in child processes
    try:
        yield started
    finally:
        slurm_cluster.stop(started)
        shutil.rmtree(folder, ignore_errors=True)
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
