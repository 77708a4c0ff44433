"""What each back end owns, read through the interface generic code uses (never by name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vocseg_tui.core.jobs import JobState, LaunchRefused, Registry
from vocseg_tui.core.jobs.backend import BACKENDS, backend_for


def _job(registry: Registry, backend: str, **values: object) -> int:
    return registry.add(name="j", config="/c.py", work_dir="/w", cwd="/", backend=backend,
                        state=JobState.SUCCEEDED, **values).id


def test_each_back_end_describes_its_job_its_console_and_its_devices(isolated_state_dir: Path) -> None:
    registry = Registry()
    rows = {
        "cpu": _job(registry, "local", options={"nproc": 2}),
        "gpus": _job(registry, "local", gpus=[1, 3], options={"nproc": 2}),
        "queued": _job(registry, "local", queue={"count": 2}, options={"nproc": 2}),
        "tmux": _job(registry, "tmux", backend_data={"tmux_session": "vocseg-job-4"}),
        "slurm": _job(registry, "slurm",
                      options={"nproc": 8, "backend_options": {"nodes": 2, "gpus_per_node": 4}},
                      backend_data={"slurm_job_id": "41", "batch_script": "/w/sbatch.sh"}),
    }
    shown = {}
    for key, job_id in rows.items():
        job = registry.get(job_id)
        backend = backend_for(job, registry)
        shown[key] = (backend.device_label(job), backend.attach_command(job), backend.details(job))
    assert shown == {
        "cpu": ("CPU x2", None, []),
        "gpus": ("GPU 1,3", None, []),
        "queued": ("any 2 GPU", None, []),
        "tmux": ("CPU", "tmux attach -t vocseg-job-4", ["console: tmux attach -t vocseg-job-4"]),
        "slurm": ("Slurm 2x4 GPU", None, ["Slurm job 41; batch script: /w/sbatch.sh"]),
    }
    assert all(b.description for b in BACKENDS.values())


def test_back_ends_without_options_refuse_them() -> None:
    for name in ("local", "tmux"):
        with pytest.raises(LaunchRefused, match="takes no options"):
            BACKENDS[name].check_options({"partition": "gpu"})
    assert BACKENDS["slurm"].check_options({"time": "01:00:00"}) == {"time": "01:00:00", "resubmits": 5}
    with pytest.raises(LaunchRefused, match="--nodes 0 is out of range"):
        BACKENDS["slurm"].check_options({"nodes": 0})
