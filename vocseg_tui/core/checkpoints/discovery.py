"""Finding runs and their checkpoints: the project's work_dirs/ plus the job registry.

A run is a work dir mmengine trained into. It holds the config dump mmengine writes at
start-up (`<work_dir>/<config file name>`, the exact config the weights belong to, so the
demo and evaluation use it and never another config), `epoch_N.pth` / `iter_N.pth` /
`best_<metric>_<unit>_N.pth`, the `last_checkpoint` marker and the timestamped log folders.
Jobs registered with a work dir elsewhere (`--work-dir /scratch/...`) are found through the
registry. Only the open project's runs are listed unless every project is asked for: the
registry is shared by every project (see core.scope). Nothing here loads a tensor: integrity
comes from the zip container.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path

from vocseg_tui.core.checkpoints.errors import CheckpointError
from vocseg_tui.core.checkpoints.integrity import check_integrity
from vocseg_tui.core.checkpoints.model import Checkpoint, Run, parse_name
from vocseg_tui.core.jobs.registry import REGISTRY_NAME, Registry
from vocseg_tui.core.logs.scalars import validation_miou
from vocseg_tui.core.logs.sources import scalars_files
from vocseg_tui.core.project import Project, state_dir
from vocseg_tui.core.scope import ProjectScope


def read_last_marker(work_dir: Path) -> Path | None:
    """The checkpoint `last_checkpoint` names (mmengine writes an absolute path)."""
    marker = work_dir / "last_checkpoint"
    try:
        text = marker.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text:
        return None
    named = Path(text)
    # A work dir moved or copied keeps the old absolute path: fall back to the same name here.
    return named if named.is_file() or not (work_dir / named.name).is_file() else work_dir / named.name


def find_config_dump(work_dir: Path, config_hint: str | None = None) -> Path | None:
    """The config mmengine dumped into the work dir (None for a run that has none)."""
    if config_hint:
        candidate = work_dir / Path(config_hint).name
        if candidate.is_file():
            return candidate
    top = sorted(work_dir.glob("*.py"), key=lambda p: p.stat().st_mtime, reverse=True)
    named = [p for p in top if p.stem == work_dir.name]
    if named or top:
        return (named or top)[0]
    dumps = [f.parent / "config.py" for f in reversed(scalars_files(work_dir))]
    return next((p for p in dumps if p.is_file()), None)


def scan_run(work_dir: Path, *, config_hint: str | None = None, job_ids: tuple[int, ...] = (),
             deep: bool = False, project: Path | None = None) -> Run:
    """One run's checkpoints, newest step first, with mIoU, best, last and integrity
    (`deep`: also the CRC of every tensor record, which reads every file whole)."""
    miou = validation_miou(work_dir)
    last = read_last_marker(work_dir)
    found: list[Checkpoint] = []
    for path in work_dir.glob("*.pth"):
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted while we looked
        kind, unit, step = parse_name(path.name)
        verdict = check_integrity(path, deep=deep)
        found.append(Checkpoint(
            path=path, run=work_dir.name, kind=kind, unit=unit, step=step, size=stat.st_size,
            mtime=stat.st_mtime, miou=miou.get(step) if step is not None else None,
            last=last is not None and path.name == last.name, ok=verdict.ok, problem=verdict.reason,
        ))
    found = _mark_best(found)
    found.sort(key=lambda c: (c.kind != "best", -(c.step or 0), c.name))
    return Run(work_dir.name, work_dir, find_config_dump(work_dir, config_hint), tuple(found), job_ids,
               project)


def _mark_best(found: list[Checkpoint]) -> list[Checkpoint]:
    """The best_* file mmengine kept; without one, the intact checkpoint with the top mIoU."""
    if any(c.kind == "best" for c in found):
        return [replace(c, best=c.kind == "best") for c in found]
    scored = [c for c in found if c.ok and c.miou is not None]
    if not scored:
        return found
    top = max(scored, key=lambda c: (c.miou or 0.0, c.step or 0))
    return [replace(c, best=c is top) for c in found]


def _looks_like_run(folder: Path) -> bool:
    return any(folder.glob("*.pth")) or any(folder.glob("*.py")) or bool(scalars_files(folder))


@dataclass
class _Registered:
    """What the registry says about one work dir."""

    config: str
    project: Path
    """The project of its newest job."""
    job_ids: list[int]
    """Newest first."""


def _registry_runs() -> dict[Path, _Registered]:
    """{work_dir: what the registry says about it}, if there is a registry."""
    path = state_dir() / REGISTRY_NAME
    runs: dict[Path, _Registered] = {}
    if not path.is_file():
        return runs
    with contextlib.suppress(Exception):  # a registry from a newer version: fall back to the folder
        for job in Registry(path).all_jobs():
            work_dir = Path(job.work_dir)
            if not work_dir.is_absolute():
                work_dir = Path(job.cwd) / work_dir
            entry = runs.setdefault(work_dir.resolve(), _Registered(job.config, job.project, []))
            entry.job_ids.append(job.id)
    return runs


@dataclass(frozen=True)
class RunListing:
    """The runs a list shows, and how many other projects' runs it leaves out."""

    runs: list[Run]
    scope: ProjectScope
    other_projects: int
    """Projects other than the open one whose jobs the registry holds (0 when all are shown)."""


def list_runs(project: Project, *, all_projects: bool = False, use_registry: bool = True,
              deep: bool = False) -> RunListing:
    """The runs of the open project, or of every project the registry knows (each project's
    work_dirs/ and its jobs' work dirs elsewhere), newest activity first."""
    scope = ProjectScope.of(project, all_projects=all_projects)
    registered = _registry_runs() if use_registry else {}
    others = {entry.project for entry in registered.values()} - {scope.current}
    roots = [scope.current, *sorted(others)] if all_projects else [scope.current]
    folders: dict[Path, Path] = {}
    for root in roots:
        work_dirs = root / "work_dirs"
        if work_dirs.is_dir():
            for folder in sorted(work_dirs.iterdir()):
                if folder.is_dir() and _looks_like_run(folder):
                    folders.setdefault(folder.resolve(), root)
    for work_dir, entry in registered.items():
        if scope.includes(entry.project) and work_dir.is_dir():
            folders.setdefault(work_dir, entry.project)
    runs = []
    for folder, root in folders.items():
        found = registered.get(folder)
        runs.append(scan_run(folder, config_hint=found.config if found else None,
                             job_ids=tuple(found.job_ids) if found else (), deep=deep, project=root))
    runs.sort(key=_latest_activity, reverse=True)
    return RunListing(runs, scope, 0 if all_projects else len(others))


def discover_runs(project: Project, *, use_registry: bool = True, deep: bool = False,
                  all_projects: bool = False) -> list[Run]:
    """Every run of the project (and, with `all_projects`, of every other), newest activity first."""
    return list_runs(project, all_projects=all_projects, use_registry=use_registry, deep=deep).runs


def _latest_activity(run: Run) -> float:
    times = [c.mtime for c in run.checkpoints]
    with contextlib.suppress(OSError):
        times.append(run.work_dir.stat().st_mtime)
    return max(times)


def find_checkpoint(path: Path) -> tuple[Run, Checkpoint]:
    """The run a checkpoint file belongs to (its folder), and the checkpoint as discovered."""
    path = path.expanduser()
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist",
                              "list the checkpoints with `vocseg-tui ckpts`")
    run = scan_run(path.resolve().parent)
    for ckpt in run.checkpoints:
        if ckpt.path.name == path.name:
            return run, ckpt
    raise CheckpointError(f"{path} is not a .pth checkpoint", "pass an epoch_N.pth, iter_N.pth or best_*.pth")


def pick_default(runs: list[Run]) -> Checkpoint | None:
    """The checkpoint the demo uses when none was chosen: the newest run's best intact one
    (else its newest intact one), from a run that has a config dump. Give it the open
    project's runs (`discover_runs`' default): never another project's checkpoint."""
    for run in runs:
        if run.config_dump is None or not run.usable:
            continue
        return next((c for c in run.usable if c.best), run.usable[0])
    return None
