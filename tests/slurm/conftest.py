"""A real single-node Slurm for the whole session, or every Slurm test skipped with the reason."""

from __future__ import annotations

import fcntl
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
    # one test cluster per machine (fixed ports): a second pytest session waits for the first
    lock = open(Path(tempfile.gettempdir()) / "vocseg-slurm-tests.lock", "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    # not under pytest's tmp dir: its parents are 0700 and slurmctld runs as user slurm
    folder = Path(tempfile.mkdtemp(prefix="vocseg-slurm-"))
    try:
        started = slurm_cluster.start(folder)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:  # the machine, not our code
        logs = " | ".join(p.read_text(errors="replace")[-300:] for p in (folder / "log").glob("*.log"))
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()
        pytest.skip(f"the test Slurm did not start: {error} {logs}")
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(started.conf)  # sbatch/squeue here and in child processes
    try:
        yield started
    finally:
        slurm_cluster.stop(started)
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
