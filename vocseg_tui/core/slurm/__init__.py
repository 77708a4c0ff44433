"""Slurm, as seen from a login node: one package for every call this app makes to Slurm.

- `runner`: the one way to run a Slurm client tool (one environment policy, one error type);
- `gres`: the GRES parser (`gpu:a100:4(IDX:0-3)`);
- `states`: Slurm's state words mapped onto the states a user sees;
- `cluster`: what the cluster offers now (`sinfo`, `squeue`), for the GPUs screen;
- `batch`: the batch script of one attempt of a training job;
- `control`: submit, cancel and read jobs (`sbatch`, `scancel`, `squeue`, `scontrol`, `sacct`).

It knows nothing of the job registry: the jobs package (core/jobs/slurm.py, the Slurm launch
back end) sits on top of it and passes in plain values.
"""

from vocseg_tui.core.slurm.runner import SlurmError, tools_missing

__all__ = ["SlurmError", "tools_missing"]
