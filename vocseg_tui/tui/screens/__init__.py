"""The app's areas: one screen each, reachable by a digit key, the palette, or a click.

Screen modules are imported lazily (when their area is first opened), which keeps start-up
close to a bare Textual app.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class Area:
    """One area of the app: its mode name, key, title, and what it is for."""

    mode: str
    key: str
    title: str
    summary: str
    module: str
    class_name: str

    def load(self) -> type[Screen[None]]:
        """Import the screen class (on first use only)."""
        module = importlib.import_module(self.module)
        screen_class: type[Screen[None]] = getattr(module, self.class_name)
        return screen_class


def _area(mode: str, key: str, title: str, summary: str) -> Area:
    return Area(mode, key, title, summary, f"{__name__}.{mode}", f"{title.replace(' ', '')}Screen")


AREAS: tuple[Area, ...] = (
    _area("data", "1", "Data", "download, verify and extract VOC 2012 + SBD; convert; split lists"),
    _area("gpus", "2", "GPUs", "live view of the server's GPUs; pick free ones, or CPU"),
    _area("recipe", "3", "Recipe", "edit the training recipe; scaled LR and epochs update live"),
    _area("jobs", "4", "Jobs", "launch detached training; reattach, stop, resume, queue"),
    _area("logs", "5", "Logs", "follow a job's log; loss, LR and mIoU curves; why it failed"),
    _area("checkpoints", "6", "Checkpoints", "browse checkpoints; resume, evaluate, delete"),
    _area("demo", "7", "Demo", "run the model on an image with one key"),
    _area("runs", "8", "Runs", "all runs in one table; compare per class, tag, export"),
)
AREAS_BY_MODE = {area.mode: area for area in AREAS}
