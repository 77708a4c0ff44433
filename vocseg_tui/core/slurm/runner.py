"""The one way to run a Slurm client tool: no shell, a timeout, one environment, one error.

Every call scrubs the SLURM_* variables a running job sets (SLURM_CONF stays): submitting the
next attempt from inside a job must not pass the old job's allocation on to the new one, and a
`sinfo` run from inside an allocation must describe the cluster, not the allocation.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from vocseg_tui.core.errors import VocsegError

TOOLS = ("sbatch", "squeue", "scontrol", "scancel", "sinfo")
DEFAULT_TIMEOUT_S = 30.0


class SlurmError(VocsegError):
    """A Slurm client tool is missing, did not answer, or refused what was asked."""


def client_env() -> dict[str, str]:
    """Our environment without the SLURM_* of a running job (SLURM_CONF stays)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SLURM_") or k == "SLURM_CONF"}


def tools_missing() -> str | None:
    """Why Slurm cannot be used from here (None: every client tool is on the PATH)."""
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    return f"Slurm is not available here ({', '.join(missing)} not found)" if missing else None


def run(argv: list[str], timeout: float = DEFAULT_TIMEOUT_S, *,
        check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run one client tool. Raises SlurmError when it cannot run or times out, and with
    `check` also when it exits non-zero (the error names its last line of stderr)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout,
                              env=client_env())
    except subprocess.TimeoutExpired as error:
        raise SlurmError(f"`{argv[0]}` did not answer in {timeout:g} s",
                         "slurmctld may be busy or down; try `sinfo` in a shell") from error
    except OSError as error:
        raise SlurmError(f"`{argv[0]}` could not run: {error}",
                         "check that Slurm's client tools work") from error
    if check and done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise SlurmError(f"`{argv[0]}` failed: {said}",
                         "slurmctld may be down or unreachable; try `sinfo` in a shell")
    return done
