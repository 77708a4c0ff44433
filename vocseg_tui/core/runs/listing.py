"""Every run of a project as a row: the registry's lineages plus the work dirs found on disk.

A work dir is one run whatever number of attempts trained into it (a resume, a retry, a
resubmission: core/jobs/lineage.py and `Registry.jobs_in` group them the same way); the row's
state is its newest attempt's, its wall time the attempts' sum. A work dir no job wrote is a
run too. Tags and notes come from the registry, keyed by the run's path.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from vocseg_tui.core.jobs.registry import REGISTRY_NAME, Job, Registry
from vocseg_tui.core.jobs.states import ACTIVE_STATES
from vocseg_tui.core.logs.sources import scalars_files
from vocseg_tui.core.project import Project, state_dir
from vocseg_tui.core.runs.index import RunIndex
from vocseg_tui.core.runs.model import DiskFacts, RunRow
from vocseg_tui.core.scope import ProjectScope


@dataclass
class _Lineage:
    project: Path
    jobs: list[Job] = field(default_factory=list)
    """Newest first."""


def open_registry(create: bool = False) -> Registry | None:
    """The registry, or None when there is none yet (a list never creates one)."""
    path = state_dir() / REGISTRY_NAME
    if not create and not path.is_file():
        return None
    return Registry(path)


def _lineages(registry: Registry | None) -> dict[Path, _Lineage]:
    found: dict[Path, _Lineage] = {}
    if registry is None:
        return found
    for job in registry.all_jobs():  # newest first
        work_dir = Path(job.work_dir)
        if not work_dir.is_absolute():
            work_dir = Path(job.cwd) / work_dir
        found.setdefault(work_dir.resolve(), _Lineage(job.project)).jobs.append(job)
    return found


def _looks_like_run(folder: Path) -> bool:
    return any(folder.glob("*.pth")) or any(folder.glob("*.py")) or bool(scalars_files(folder))


def list_runs(project: Project, *, all_projects: bool = False, index: RunIndex | None = None) -> list[RunRow]:
    """The project's runs (or every project's), newest start first."""
    registry = open_registry()
    lineages = _lineages(registry)
    scope = ProjectScope.of(project, all_projects=all_projects)
    folders: dict[Path, Path] = {}
    roots = {scope.current, *(lin.project for lin in lineages.values())} if all_projects else {scope.current}
    for root in sorted(roots):
        with contextlib.suppress(OSError):
            for folder in sorted((root / "work_dirs").iterdir()):
                if folder.is_dir() and _looks_like_run(folder):
                    folders.setdefault(folder.resolve(), root)
    for work_dir, lineage in lineages.items():
        if scope.includes(lineage.project):
            folders.setdefault(work_dir, lineage.project)
    present = {p: (lineages[p].jobs[0].config if p in lineages else None) for p in folders if p.is_dir()}
    facts = (index or RunIndex()).facts(present)
    meta = registry.run_meta() if registry is not None else {}
    rows = [_row(path, root, facts.get(path), lineages.get(path), meta.get(str(path)))
            for path, root in folders.items()]
    rows.sort(key=lambda r: r.started or 0.0, reverse=True)
    return rows


def _row(path: Path, root: Path, facts: DiskFacts | None, lineage: _Lineage | None,
         meta: tuple[list[str], str] | None) -> RunRow:
    tags, note = meta if meta is not None else ([], "")
    jobs = lineage.jobs if lineage is not None else []
    if facts is None:
        facts = DiskFacts(problems=(f"the work dir {path} is gone",))
        state = "missing"
    elif jobs:
        state = jobs[0].state.value
    elif facts.best_miou is None:
        state = "no validation"
    elif facts.max_epochs is not None and facts.epochs_done >= facts.max_epochs:
        state = "done"
    else:
        state = "incomplete"
    wall, started = facts.wall_s, facts.started
    if jobs:
        now = time.time()
        spans = [(j.ended_at or now) - j.started_at for j in jobs
                 if j.started_at and (j.ended_at or j.state.value in ACTIVE_STATES)]
        wall = sum(max(0.0, s) for s in spans) or wall
        starts = [j.started_at or j.created_at for j in jobs]
        started = min(starts) if starts else started
        if facts.gpus == 0 and jobs[0].gpus:
            facts = replace(facts, gpus=len(jobs[0].gpus))
    return RunRow(name=path.name, path=str(path), state=state, jobs=tuple(j.id for j in jobs), facts=facts,
                  wall_s=wall, started=started, tags=tuple(tags), note=note, project=str(root))
