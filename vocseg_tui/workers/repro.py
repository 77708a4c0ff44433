"""Collect an attempt's reproducibility record: what exactly this run was.

Called by tools/train.py on rank 0 once the Runner is built (mmengine has dumped the config by
then), so every launch path (CLI, tmux, Slurm, by hand) gets one. Each field is collected on its
own: one that fails holds `{"error": ...}` and the rest are still written; nothing here may fail
the training (`write_record` returns the error text instead of raising). core/runs/repro.py says
where the file goes and reads it back.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from vocseg_tui.core.data.splits import lists_dir
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.runs.repro import REPRO_SCHEMA, job_folder_from_env, job_id_of, record_path

MAX_DIFF_CHARS = 200_000
"""An uncommitted diff longer than this is cut (the record says so and keeps its full hash)."""
SPLIT_LISTS = ("train", "val", "aug", "trainaug")
GIT_TIMEOUT_S = 10.0


def guarded(collect: Callable[[], Any]) -> Any:
    """The field's value, or `{"error": ...}` when collecting it failed for any reason."""
    try:
        return collect()
    except Exception as error:  # a field's failure must never fail the training
        return {"error": f"{type(error).__name__}: {error}"}


def git_state(cwd: Path) -> dict[str, Any] | None:
    """The commit and uncommitted diff of the git repository the training runs in (None: none)."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, check=False, errors="replace")

    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return None
    head = git("rev-parse", "HEAD")
    diff = git("diff", "HEAD", "--no-color", "--no-ext-diff")
    untracked = git("ls-files", "--others", "--exclude-standard")
    text = diff.stdout if diff.returncode == 0 else ""
    return {"root": top.stdout.strip(), "commit": head.stdout.strip() if head.returncode == 0 else None,
            "dirty": bool(text), "diff": text[:MAX_DIFF_CHARS],
            "diff_truncated": len(text) > MAX_DIFF_CHARS,
            "diff_sha256": hashlib.sha256(text.encode()).hexdigest() if text else None,
            "untracked": len(untracked.stdout.splitlines()) if untracked.returncode == 0 else None}


def file_digest(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest()}


def versions() -> dict[str, Any]:
    import torch

    found: dict[str, Any] = {"python": platform.python_version(), "torch": torch.__version__,
                             "cuda": torch.version.cuda}
    found["cudnn"] = guarded(lambda: torch.backends.cudnn.version() if torch.backends.cudnn.is_available()
                             else None)
    for name in ("mmcv", "mmengine", "mmseg"):
        found[name] = guarded(functools.partial(_version_of, name))
    return found


def _version_of(module: str) -> str:
    return str(__import__(module).__version__)


def packages() -> list[str]:
    """`pip freeze` without a subprocess: name==version of every installed distribution."""
    names = {f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"]}
    return sorted(names, key=str.lower)


def gpus() -> dict[str, Any]:
    """The driver and every GPU's name and UUID through our NVML code (empty without a driver)."""
    from vocseg_tui.core.gpus.backend import GpuBackendError, GpuQueryError, open_backend

    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    try:
        backend = open_backend()
    except GpuBackendError as error:  # no driver (a CPU machine), or a broken fake
        return {"source": None, "driver": None, "devices": [], "cuda_visible_devices": visible,
                "error": error.message}
    try:
        devices: list[dict[str, Any]] = []
        for index in range(backend.count()):
            try:
                info = backend.read(index)
                devices.append({"index": index, "name": info.name, "uuid": info.uuid})
            except GpuQueryError as error:
                devices.append({"index": index, "name": error.name, "uuid": error.uuid,
                                "error": str(error)})
        return {"source": backend.source, "driver": backend.driver_version(), "devices": devices,
                "cuda_visible_devices": visible}
    finally:
        backend.close()


def _data_roots(cfg: Mapping[str, Any]) -> Iterator[str]:
    """Every `data_root` the config names (top level and in each dataloader's datasets)."""
    stack: list[Any] = [cfg]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            root = item.get("data_root")
            if isinstance(root, str):
                yield root
            stack.extend(v for k, v in item.items() if k != "data_root")
        elif isinstance(item, list | tuple):
            stack.extend(item)


def data_fingerprint(cfg: Mapping[str, Any], cwd: Path) -> dict[str, Any]:
    """sha256 and line count of each split list under each data root the config trains from."""
    roots: dict[str, Any] = {}
    for root in dict.fromkeys(_data_roots(cfg)):
        folder = lists_dir((cwd / root).resolve())
        lists: dict[str, Any] = {}
        for name in SPLIT_LISTS:
            path = folder / f"{name}.txt"
            if path.is_file():
                data = path.read_bytes()
                lists[name] = {"sha256": hashlib.sha256(data).hexdigest(),
                               "lines": sum(1 for line in data.splitlines() if line.strip())}
            else:
                lists[name] = {"missing": True}
        roots[root] = {"path": str(folder), "lists": lists}
    return roots


def collect(cfg: Mapping[str, Any], *, config_dump: Path | None, stamp: str, job_id: int | None,
            argv: list[str], cwd: Path) -> dict[str, Any]:
    return {
        "schema": REPRO_SCHEMA,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "attempt": stamp,
        "job_id": job_id,
        "host": guarded(socket.gethostname),
        "cwd": str(cwd),
        "command": [sys.executable, *argv],
        "git": guarded(lambda: git_state(cwd)),
        "config": guarded(lambda: file_digest(config_dump) if config_dump is not None
                          else {"error": "no config dump in the work dir"}),
        "versions": guarded(versions),
        "gpus": guarded(gpus),
        "data": guarded(lambda: data_fingerprint(cfg, cwd)),
        "packages": guarded(packages),
    }


def write_record(cfg: Mapping[str, Any], *, work_dir: Path, config_dump: Path | None, stamp: str,
                 argv: list[str]) -> tuple[Path | None, str | None]:
    """Collect and write this attempt's record: (its path, None), or (None, why it was not)."""
    import json

    try:
        folder = job_folder_from_env()
        path = record_path(work_dir, stamp, folder)
        record = collect(cfg, config_dump=config_dump, stamp=stamp, job_id=job_id_of(folder),
                         argv=argv, cwd=Path.cwd())
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(record, indent=1, default=str) + "\n")
    except Exception as error:  # the record is never worth a failed training
        return None, f"{type(error).__name__}: {error}"
    return path, None
