"""Where things are: the project folder, its data root, configs, work dirs, and the state dir.

A project is a folder (the current directory unless `--project DIR` says otherwise) holding
`data/`, `configs/`, `work_dirs/` and `outputs/`, the layout mmseg users already know. User
state that is not tied to one project (the job registry, caches) lives in the platform's
state directory, overridable with `VOCSEG_STATE_DIR` for tests and scripts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_state_path

from vocseg_tui.core.errors import ProjectError
from vocseg_tui.core.fsutil import ensure_private_dir

STATE_DIR_ENV = "VOCSEG_STATE_DIR"
APP_NAME = "vocseg-tui"


def state_dir() -> Path:
    """The private (0700) folder for the job registry and caches, created on first use."""
    override = os.environ.get(STATE_DIR_ENV)
    path = Path(override).expanduser() if override else user_state_path(APP_NAME)
    return ensure_private_dir(path)


@dataclass(frozen=True)
class Project:
    """A project folder and the conventional places inside it."""

    root: Path

    @classmethod
    def open(cls, root: Path | str | None = None) -> Project:
        """The project at `root` (default: the current directory); it must be a folder."""
        path = Path(root if root is not None else os.getcwd()).expanduser()
        if not path.exists():
            raise ProjectError(
                f"project folder {path} does not exist",
                f"create one with `vocseg-tui sample {path}` or pass --project DIR",
            )
        if not path.is_dir():
            raise ProjectError(f"{path} is not a folder", "pass a folder with --project DIR")
        return cls(path.resolve())

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def data_root(self) -> Path:
        return self.root / "data"

    @property
    def voc_root(self) -> Path:
        return self.data_root / "VOCdevkit" / "VOC2012"

    @property
    def sbd_root(self) -> Path:
        return self.data_root / "benchmark_RELEASE" / "dataset"

    @property
    def configs_dir(self) -> Path:
        return self.root / "configs"

    @property
    def work_dirs(self) -> Path:
        return self.root / "work_dirs"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    def is_set_up(self) -> bool:
        """True when the folder looks like a project: it has data or configs."""
        return self.data_root.is_dir() or self.configs_dir.is_dir()

    def configs(self) -> list[Path]:
        """The config files of this project, sorted by name."""
        if not self.configs_dir.is_dir():
            return []
        return sorted(p for p in self.configs_dir.glob("*.py") if not p.name.startswith("_"))
