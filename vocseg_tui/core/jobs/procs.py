"""Process identity: a pid plus its start time, so a reused pid is never taken for the job.

After a reboot or a long uptime the kernel hands out old pids again; a job whose supervisor
pid now belongs to someone's shell must read as `lost`, not `running`.
"""

from __future__ import annotations

import psutil

_TOLERANCE_S = 1.0


def start_time(pid: int) -> float | None:
    """The process's start time (seconds since the epoch), or None if it does not exist."""
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


def is_alive(pid: int | None, started: float | None) -> bool:
    """True if `pid` runs and is the same process that started at `started` (not a zombie)."""
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = float(process.create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False
    return started is None or abs(created - started) < _TOLERANCE_S
