"""Who runs a process: the owner and command line of a pid, as psutil sees them here.

NVML only gives pids; the owner decides whether a GPU is a colleague's. What psutil may not
see (a pid in another PID namespace, `hidepid`) is None, and callers count an unknown owner
as someone else.
"""

from __future__ import annotations

import psutil

Owner = tuple[str | None, str | None]
"""(user, command); either may be None when it cannot be seen."""


def lookup_owner(pid: int) -> Owner:
    """(user, command) of a pid on this machine, None for what we may not see."""
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            user: str | None = process.username()
            try:
                command = " ".join(process.cmdline()) or process.name()
            except psutil.AccessDenied:
                command = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None, None
    return user, command
