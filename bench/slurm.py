"""Benchmark reading Slurm jobs the way the Jobs screen does, on the real test cluster (root).

The Jobs screen reads every job every 2 s. With N active Slurm jobs the old read asked
`scontrol show job` once per job; now one `squeue` call reads them all (`core/slurm/control.prefetch`), and
the screen's first frame reads the registry only. Figures, in one run:

- per_job_s: a full read with one scontrol call per active job (the old way);
- batched_s: the same read through `list_jobs` (one squeue call, then only ended jobs ask);
- first_frame_down_s: the first frame's read while slurmctld is stopped (must not wait on it).

    sudo .venv/bin/python bench/slurm.py [--jobs 30] [--rounds 5]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.slurm import cluster as test_cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    reason = test_cluster.unavailable_reason()
    if reason:  # `make bench` goes on with the others
        print(json.dumps({"skipped": f"bench/slurm.py needs the test cluster: {reason}"}))
        return
    os.environ["VOCSEG_STATE_DIR"] = tempfile.mkdtemp(prefix="vocseg-bench-state-")
    lock = open(Path(tempfile.gettempdir()) / "vocseg-slurm-tests.lock", "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    cluster = test_cluster.start(Path(tempfile.mkdtemp(prefix="vocseg-slurm-")))
    os.environ["SLURM_CONF"] = str(cluster.conf)
    try:
        print(json.dumps(measure(args.jobs, args.rounds, cluster)))
    finally:
        test_cluster.stop(cluster)


def measure(count: int, rounds: int, cluster: test_cluster.Cluster) -> dict[str, float | int]:
    from vocseg_tui.core.jobs import Registry
    from vocseg_tui.core.jobs.backend import SlurmBackend
    from vocseg_tui.core.jobs.overview import Overview
    from vocseg_tui.core.jobs.status import list_jobs, refresh

    registry = Registry()
    work = Path(tempfile.mkdtemp(prefix="vocseg-bench-work-"))
    for index in range(count):
        job = registry.add(name=f"sleep{index}", config="none.py", work_dir=str(work / str(index)),
                           cwd=str(work), backend="slurm", command=["sleep", "300"], env={})
        SlurmBackend(registry).submit(job)
    time.sleep(2)  # the scheduler has placed what fits; the rest is pending

    def timed(read: object) -> float:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            read()  # type: ignore[operator]
            samples.append(time.perf_counter() - start)
            time.sleep(1.1)  # past the snapshot's lifetime, as between two screen refreshes
        return statistics.median(samples)

    per_job = timed(lambda: [refresh(registry, job) for job in registry.all_jobs()])
    batched = timed(lambda: list_jobs(registry))
    states = sorted({job.state.value for job in list_jobs(registry)})
    test_cluster.stop(cluster)  # slurmctld gone: the first frame must still come at once
    start = time.perf_counter()
    Overview(registry).rows(ask_remote=False)
    first_frame_down = time.perf_counter() - start
    return {"jobs": count, "states": "/".join(states), "per_job_s": round(per_job, 4),
            "batched_s": round(batched, 4), "ratio": round(batched / per_job, 3),
            "first_frame_down_s": round(first_frame_down, 4)}


if __name__ == "__main__":
    main()
