"""Checks a launch makes before anything is registered: the GPUs asked for, the work dir, that
no other job trains in it, and that a fresh run does not land among another run's files. Each
refuses with the reason and what to do (LaunchRefused).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.gpus import Inventory, PickRules, blocker, take_inventory
from vocseg_tui.core.gpus.selection import SelectionError, choose
from vocseg_tui.core.jobs.errors import LaunchRefused, WorkDirHoldsRun
from vocseg_tui.core.jobs.orphans import owner
from vocseg_tui.core.jobs.procs import trainings_in
from vocseg_tui.core.jobs.registry import Registry
from vocseg_tui.core.jobs.states import ACTIVE_STATES
from vocseg_tui.core.jobs.status import refresh

ANYONE = PickRules(min_free_gib=0.0, max_util=100)
"""Only what makes a GPU someone else's (or unusable), not how full it is."""


def check_gpus(devices: DeviceChoice, *, force: bool = False, queued: bool = False,
               read: Callable[[], Inventory] = take_inventory) -> tuple[DeviceChoice, list[str]]:
    """The GPUs as the launch will pin them (with their UUIDs now), and warnings to show.

    Refused: a GPU the machine does not have, one `refusal()` names (failed, ...), a GPU whose
    board changed since it was chosen, and, unless queued (the queue waits for it) or forced, a
    GPU another user's processes hold."""
    if devices.is_cpu:
        return devices, []
    inventory = read()
    try:
        checked = choose(inventory, devices.indices)
    except SelectionError as error:
        raise LaunchRefused(error.message, error.hint) from error
    warnings: list[str] = []
    for position, index in enumerate(devices.indices):
        gpu = inventory.by_index(index)
        assert gpu is not None
        chosen = devices.uuids[position] if position < len(devices.uuids) else ""
        if chosen and gpu.uuid and chosen != gpu.uuid:
            raise LaunchRefused(f"GPU {index} is another board now ({gpu.uuid}, chosen: {chosen})",
                                "the server was renumbered: choose the GPUs again in the GPUs area")
        busy = blocker(gpu, ANYONE, inventory.me)
        if busy and not queued:
            if not force:
                raise LaunchRefused(f"GPU {index} is {busy}",
                                    "choose a free GPU (`vocseg-tui gpus`), wait for it with --queue, "
                                    "or train there anyway with --force")
            warnings.append(f"GPU {index} is {busy}; training on it anyway (--force)")
    return checked, warnings


def check_gpu_count(count: int, read: Callable[[], Inventory] = take_inventory) -> None:
    """`--queue --any N`: a machine with fewer than N GPUs would wait forever."""
    inventory = read()
    if inventory.cpu_only:
        raise LaunchRefused(f"any {count} GPU(s) asked, but this machine has no usable GPU "
                            f"({inventory.cpu_only_reason or 'none found'})", "train on CPU: leave out --any")
    if len(inventory.gpus) < count:
        raise LaunchRefused(f"any {count} GPU(s) asked, but this machine has {len(inventory.gpus)}",
                            f"ask for at most {len(inventory.gpus)}")


def check_work_dir(work_dir: Path, *, create: bool) -> None:
    """Writable, or creatable; `create=False` (a dry run) checks without creating anything."""
    if not create:
        existing = next((p for p in (work_dir, *work_dir.parents) if p.exists()), Path("/"))
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            why = "is not a folder" if not existing.is_dir() else "cannot be written"
            raise LaunchRefused(f"work dir {work_dir} is not writable: {existing} {why}",
                                "pass another --work-dir, or fix its permissions")
        return
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=work_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        raise LaunchRefused(f"work dir {work_dir} is not writable: {error.strerror or error}",
                            "pass another --work-dir, or fix its permissions") from error


def refuse_if_busy(registry: Registry, work_dir: Path) -> None:
    """No second training in a work dir: refused while a job of ours is queued or running there,
    or while any process still trains there (an orphan whose supervisor died, torchrun workers
    that outlived their agent), since two trainings would overwrite each other's checkpoints."""
    for job in registry.all_jobs(states=ACTIVE_STATES):
        if Path(job.work_dir) == work_dir and refresh(registry, job).state.is_active:
            raise LaunchRefused(f"job {job.id} is already {job.state.value} in {work_dir}",
                                f"stop it first (`vocseg-tui stop {job.id}`) or pass another --work-dir")
    refuse_if_training(registry, work_dir)


def refuse_if_training(registry: Registry, work_dir: Path) -> None:
    """Refused while a process trains in `work_dir`, naming it and the way to stop it."""
    pids = trainings_in(work_dir)
    if not pids:
        return
    job = owner(registry, work_dir, pids)
    hint = (f"vocseg-tui stop {job.id}" if job is not None
            else f"no job in the registry owns it: `kill -TERM {pids[0]}`, or pass another --work-dir")
    raise LaunchRefused(f"a training (pid {pids[0]}) still writes {work_dir}", hint)


_RUN_LOGS = re.compile(r"^\d{8}_\d{6}$")
"""mmengine's log folder of one run (`<work_dir>/YYYYmmdd_HHMMSS/`)."""


def run_files(work_dir: Path) -> list[str]:
    """What in `work_dir` belongs to a run already (checkpoints, the marker, mmengine's log
    folders, our jobs' folders), by name; empty for a fresh or missing folder."""
    if not work_dir.is_dir():
        return []
    try:
        names = sorted(p.name for p in work_dir.iterdir())
    except OSError:
        return []
    found = [n for n in names if n.endswith(".pth") or n == "last_checkpoint" or _RUN_LOGS.match(n)]
    jobs = work_dir / ".vocseg"
    if jobs.is_dir():
        found += [f".vocseg/{p.name}" for p in sorted(jobs.glob("job-*"))]
    return found


def new_run_dir(work_dir: Path) -> Path:
    """Where `--new-run` trains: `work_dir` itself while it holds no run, else the first of
    `<work_dir>-2`, `<work_dir>-3`, ... that holds none (a sibling, so the Checkpoints area
    lists it as a run of its own and the old run's files stay untouched)."""
    candidate, number = work_dir, 1
    while run_files(candidate):
        number += 1
        candidate = work_dir.with_name(f"{work_dir.name}-{number}")
    return candidate


def refuse_other_run(registry: Registry, work_dir: Path) -> None:
    """A fresh launch into a folder that holds another run would mix the two (two "best" rows,
    a `last_checkpoint` naming the other run's file): refused, saying how to keep them apart."""
    found = run_files(work_dir)
    if not found:
        return
    jobs = registry.jobs_in(work_dir)
    whose = f"job {jobs[0].id}'s run ({jobs[0].state.value})" if jobs else "another run"
    shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    raise WorkDirHoldsRun(
        f"work dir {work_dir} already holds {whose}: {shown}",
        f"continue it with --resume, train elsewhere with --work-dir DIR, or keep it apart with "
        f"--new-run (trains in {new_run_dir(work_dir)})", work_dir=work_dir, new_dir=new_run_dir(work_dir))
