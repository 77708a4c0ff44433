"""Process identity and the trainings of a work dir, read from the process table.

A pid plus its start time names a process: after a reboot or a long uptime the kernel hands
out old pids again, and a job whose supervisor pid now belongs to someone's shell must read
as `lost`, not `running`. A training is also found by what it trains (`--work-dir W` on a
train.py command line): torchrun's workers run in sessions of their own, and a training whose
record is gone or wrong (an older version, another machine's registry) still writes there.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import psutil

_TOLERANCE_S = 1.0
_PR_SET_PDEATHSIG = 1


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


def trains_in(cmdline: list[str], work_dir: Path, cwd: Callable[[], str]) -> bool:
    """Whether a command line is a training (train.py, alone or under torchrun) of `work_dir`
    (absolute, resolved); a relative `--work-dir` is read from the process's `cwd()`."""
    if not any(Path(part).name == "train.py" for part in cmdline):
        return False
    given = [value for flag, value in itertools.pairwise(cmdline) if flag == "--work-dir"]
    given += [part.removeprefix("--work-dir=") for part in cmdline if part.startswith("--work-dir=")]
    return any(Path(value) == work_dir or (not Path(value).is_absolute() and _under(cwd, value) == work_dir)
               for value in given)


def _under(cwd: Callable[[], str], relative: str) -> Path | None:
    try:
        return (Path(cwd()) / relative).resolve()
    except (psutil.Error, OSError):
        return None


def trainings_in(work_dir: Path) -> list[int]:
    """The pids of every live process (ours or readable) training in `work_dir`, lowest first:
    the supervised one, an orphan whose supervisor was killed, torchrun's workers."""
    work_dir = work_dir.resolve()
    found: list[int] = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        info = process.info
        if info["pid"] == os.getpid() or info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if info["cmdline"] and trains_in(list(info["cmdline"]), work_dir, process.cwd):
            found.append(int(info["pid"]))
    return sorted(found)


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A `preexec_fn` that makes the child get `sig` when the process (thread) that started it
    dies, even by SIGKILL: the kernel's PR_SET_PDEATHSIG, kept across exec. A parent that died
    before the call is noticed (the child's parent pid changed) and the child exits at once.
    Elsewhere than Linux it does nothing (no such call)."""
    parent = os.getpid()
    prctl = _prctl()

    def arrange() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return arrange


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up before the fork (no loading in the child)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the running program's libc, no library search
    except OSError:
        return None
    function: Callable[..., int] = libc.prctl
    return function
