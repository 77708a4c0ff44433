"""A real single-node Slurm for the whole session, or every Slurm test skipped with the reason.

The cluster starts once per session; `SLURM_CONF` points at it only while a Slurm test module runs
(`slurm` is module-scoped), so the tests after them see the machine as it is.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slurm import cluster as slurm_cluster


@pytest.fixture(scope="session")
def slurm_session() -> Iterator[slurm_cluster.Cluster]:
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
    try:
        yield started
    finally:
        slurm_cluster.stop(started)
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()


@pytest.fixture(scope="module")
def slurm(slurm_session: slurm_cluster.Cluster) -> Iterator[slurm_cluster.Cluster]:
    """The test cluster, with SLURM_CONF set for sbatch/squeue here and in child processes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLURM_CONF", str(slurm_session.conf))
        yield slurm_session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n`, every Slurm test runs in one worker: there is one test cluster per
    machine (fixed ports), and a second worker would wait for the first one's whole session."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("slurm"))
