"""Resolve a config through mmengine, in a child process (the UI never imports mmengine).

Resolving is what makes the validator honest: inherited values (`_base_` files, package
scoped `mmseg::` bases, variables) are checked as mmengine will see them at launch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.errors import VocsegError


class ConfigLoadError(VocsegError):
    """mmengine could not load (or build) the config."""


@dataclass(frozen=True)
class Resolved:
    config: dict[str, Any]
    build: dict[str, Any] | None


def resolve_config(path: Path | str, *, cwd: Path | None = None, build: bool = False,
                   timeout: float = 120.0) -> Resolved:
    """Load `path` with mmengine in a child process; `build` also builds model and data.

    `path` may also name a config shipped in a package, e.g. `mmseg::upernet/x.py`.
    """
    shipped = isinstance(path, str) and "::" in path
    path = Path(path)
    if not shipped and not path.is_file():
        raise ConfigLoadError(f"config {path} does not exist", "check the path")
    target = str(path) if shipped else str(path.resolve())
    command = [sys.executable, "-m", "vocseg_tui.workers.config_loader", target]
    if build:
        command.append("--build")
    try:
        done = subprocess.run(
            command, cwd=cwd or (Path.cwd() if shipped else path.parent), capture_output=True,
            text=True, timeout=timeout, check=False, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        )
    except subprocess.TimeoutExpired as exc:
        raise ConfigLoadError(f"loading {path} took more than {timeout:.0f} s",
                              "is the data folder on a slow or hung file system?") from exc
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConfigLoadError(f"the config loader failed: {tail[0][:300]}",
                              "run `vocseg-tui doctor` to check the training stack")
    if not result.get("ok"):
        stage = "build the model or data of" if result.get("stage") == "build" else "load"
        raise ConfigLoadError(f"mmengine could not {stage} {path.name}: {result.get('error')}",
                              "fix the config (see the message), then check again")
    return Resolved(config=result["config"], build=result.get("build"))
