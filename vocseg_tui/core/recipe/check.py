"""Check config text before it is saved: resolve it as mmengine will, then validate.

The candidate is written next to where it will live (so relative `_base_` paths resolve the
same), under a `_`-prefixed temporary name the project's config list ignores, and removed
afterwards whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from vocseg_tui.core.recipe.diff import config_diff
from vocseg_tui.core.recipe.loader import ConfigLoader, Resolved, resolve_config
from vocseg_tui.core.recipe.render import SHIPPED_BASE
from vocseg_tui.core.recipe.validate import Finding, validate


def resolve_text(text: str, folder: Path, *, cwd: Path | None = None,
                 loader: ConfigLoader | None = None) -> Resolved:
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="_vocseg_check_", suffix=".py", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if loader is not None:
            return loader.resolve(Path(name), cwd=cwd or folder.parent)
        return resolve_config(Path(name), cwd=cwd or folder.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def check_text(text: str, folder: Path, *, processes: int | None, project_root: Path,
               loader: ConfigLoader | None = None) -> list[Finding]:
    """Findings for config `text` that will be saved in `folder` (raises ConfigLoadError)."""
    resolved = resolve_text(text, folder, cwd=project_root, loader=loader)
    return validate(resolved.config, processes=processes, base=project_root)


def diff_against_shipped(text: str, folder: Path, project_root: Path,
                         loader: ConfigLoader | None = None) -> list[str]:
    """What `text` changes against mmseg's shipped UPerNet-R50 VOC-aug 40k config."""
    if loader is not None:
        base = loader.resolve(SHIPPED_BASE, cwd=project_root).config
    else:
        base = resolve_config(SHIPPED_BASE, cwd=project_root).config
    ours = resolve_text(text, folder, cwd=project_root, loader=loader).config
    return config_diff(base, ours)
