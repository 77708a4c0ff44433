"""Where each attempt's reproducibility record lives, and reading them back.

tools/train.py writes one record per attempt at start (vocseg_tui/workers/repro.py collects it),
so a job launched from the CLI, in tmux or on Slurm has one with no UI open. A job's attempt
writes into its job folder (`.vocseg/job-N/repro.json`, found from the stop marker's path the
launcher exports); a training started by hand, with no job, writes `.vocseg/repro-<stamp>.json`
(the stamp is mmengine's, the name of the attempt's log folder). Reading never fails: a damaged
record is returned as one holding only its `error`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from vocseg_tui.core.jobs.paths import REPRO_NAME, STOPPED_MARKER_ENV

REPRO_SCHEMA = 1
"""The record's layout; 1: the first one."""
_JOB_FOLDER = re.compile(r"^job-(\d+)$")


def job_folder_from_env() -> Path | None:
    """The job folder of the attempt running now: the launcher (local, tmux, Slurm) exports the
    stop marker's path, `<work_dir>/.vocseg/job-N/stopped`; None for a training run by hand."""
    marker = os.environ.get(STOPPED_MARKER_ENV)
    if not marker:
        return None
    folder = Path(marker).parent
    return folder if _JOB_FOLDER.match(folder.name) else None


def job_id_of(folder: Path | None) -> int | None:
    match = _JOB_FOLDER.match(folder.name) if folder is not None else None
    return int(match.group(1)) if match else None


def record_path(work_dir: Path, stamp: str, job_folder: Path | None) -> Path:
    """The file this attempt's record goes to (a new name when the folder already holds one)."""
    if job_folder is not None:
        first = job_folder / REPRO_NAME
        return job_folder / f"repro-{stamp}.json" if first.exists() else first
    return work_dir / ".vocseg" / f"repro-{stamp}.json"


def record_files(work_dir: Path) -> list[Path]:
    hidden = work_dir / ".vocseg"
    try:
        return [*hidden.glob("repro*.json"), *hidden.glob("job-*/repro*.json")]
    except OSError:
        return []


def read_records(work_dir: Path) -> list[dict[str, Any]]:
    """Every attempt's record in the work dir, oldest first, each with its `file`."""
    records: list[dict[str, Any]] = []
    for path in record_files(work_dir):
        try:
            data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError) as error:
            data = {"error": f"cannot read {path.name}: {getattr(error, 'strerror', None) or error}"}
        if not isinstance(data, dict):
            data = {"error": f"{path.name} holds no record"}
        data["file"] = str(path)
        records.append(data)
    records.sort(key=lambda r: (str(r.get("written_at") or ""), r["file"]))
    return records


def latest_record(work_dir: Path) -> dict[str, Any] | None:
    records = read_records(work_dir)
    return records[-1] if records else None
