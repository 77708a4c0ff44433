"""Which projects a list covers: the open project (the default) or every project.

The job registry is per user, shared by every project on the machine, so a list read from it
mixes projects unless it is scoped (the Demo once defaulted to another project's checkpoint).
A job belongs to the project it was launched in: its `cwd`, the project root training runs in
(a `--work-dir` elsewhere does not change that). A run belongs to the project whose
`work_dirs/` holds it, or to the project of the jobs that trained into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.project import Project


def project_root(folder: Path | str) -> Path:
    """`folder` as the key projects are compared by: absolute, links resolved."""
    try:
        return Path(folder).expanduser().resolve()
    except (OSError, RuntimeError):  # a loop of links: compare it as written
        return Path(folder).expanduser().absolute()


def project_label(root: Path | str | None) -> str:
    """What a table's `project` column shows: the project folder's name."""
    if root is None:
        return "-"
    path = Path(root)
    return path.name or str(path)


@dataclass(frozen=True)
class ProjectScope:
    """The open project, and whether every other project is shown too."""

    current: Path
    """The open project's root, as `project_root` gives it."""
    every_project: bool = False

    @classmethod
    def of(cls, project: Project, *, all_projects: bool = False) -> ProjectScope:
        return cls(project_root(project.root), all_projects)

    def includes(self, root: Path | str | None) -> bool:
        """True for a job or run of `root` (None: a project unknown) that this list shows."""
        return self.every_project or (root is not None and project_root(root) == self.current)

    def toggled(self) -> ProjectScope:
        return ProjectScope(self.current, not self.every_project)
