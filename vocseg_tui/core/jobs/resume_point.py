"""Finding the checkpoint a resumed attempt starts from, named explicitly.

mmengine's `--resume` without a path trusts the `last_checkpoint` marker; when a run dies after
writing `epoch_N.pth` but before the marker, it silently starts from scratch (STACK.md). So a
resume always names its checkpoint: the marker's target if it is intact, else the newest intact
`epoch_*.pth` / `iter_*.pth`. "Intact" means a complete zip archive (torch's format since 1.6):
a file cut short by a crash lacks the central directory at its end and is skipped.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_STEP = re.compile(r"^(epoch|iter)_(\d+)\.pth$")


def is_intact(path: Path) -> bool:
    """A whole checkpoint file: torch's zip container with its central directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            return bool(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def step_checkpoints(work_dir: Path) -> list[Path]:
    """`epoch_N.pth` / `iter_N.pth` in `work_dir`, newest step first."""
    found = [(int(m.group(2)), p) for p in work_dir.glob("*.pth") if (m := _STEP.match(p.name))]
    return [p for _, p in sorted(found, key=lambda item: item[0], reverse=True)]


def last_good_checkpoint(work_dir: Path) -> Path | None:
    """The checkpoint to resume from, or None when the run never saved an intact one."""
    marker = work_dir / "last_checkpoint"
    candidates: list[Path] = []
    if marker.is_file():
        named = Path(marker.read_text(encoding="utf-8").strip())
        candidates.append(named if named.is_absolute() else work_dir / named.name)
    newest = step_checkpoints(work_dir)
    # The marker wins unless a newer step exists (a crash between the file and the marker).
    if candidates and newest and _step(newest[0]) > _step(candidates[0]):
        candidates.insert(0, newest[0])
    for path in [*candidates, *newest]:
        if path.is_file() and is_intact(path):
            return path.resolve()
    return None


def _step(path: Path) -> int:
    match = _STEP.match(path.name)
    return int(match.group(2)) if match else -1
