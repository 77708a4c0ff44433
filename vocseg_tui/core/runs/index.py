"""The warm index: each run's disk facts, kept in the state dir with the key of the files they
were read from. A re-list stats those files (cheap) and re-reads only the runs whose key
changed (a run that grew, a new attempt) or that are new; a damaged index is rebuilt."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.project import state_dir
from vocseg_tui.core.runs.disk import file_key, read_facts
from vocseg_tui.core.runs.model import DiskFacts

INDEX_NAME = "runs-index.json"
INDEX_SCHEMA = 3
"""2: facts gained the published target; 3: iters_per_epoch (an older index is read again)."""


class RunIndex:
    """Facts of many runs, read through the index at `path` (default: in the state dir)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else state_dir() / INDEX_NAME
        self.reread: list[str] = []
        """The work dirs the last `facts` call had to read (for the benchmark and tests)."""
        self._entries = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("schema") != INDEX_SCHEMA:
            return {}
        runs = data.get("runs")
        return runs if isinstance(runs, dict) else {}

    def facts(self, work_dirs: dict[Path, str | None]) -> dict[Path, DiskFacts]:
        """{work dir: facts} for each work dir (mapped to its config hint), saving the index
        when any run had to be read again."""
        found: dict[Path, DiskFacts] = {}
        self.reread = []
        for work_dir, hint in work_dirs.items():
            key = [list(k) for k in file_key(work_dir)]
            entry = self._entries.get(str(work_dir))
            if isinstance(entry, dict) and entry.get("key") == key and entry.get("hint") == hint:
                try:
                    found[work_dir] = DiskFacts.from_json(entry["facts"])
                    continue
                except (KeyError, TypeError):
                    pass  # an entry of another shape: read the run again
            facts = read_facts(work_dir, hint)
            self._entries[str(work_dir)] = {"key": key, "hint": hint, "facts": facts.to_json()}
            self.reread.append(str(work_dir))
            found[work_dir] = facts
        if self.reread:
            self.save()
        return found

    def save(self) -> None:
        # A read-only state dir: the next list reads the runs again, nothing is lost.
        with contextlib.suppress(OSError):
            write_text_atomic(self.path, json.dumps({"schema": INDEX_SCHEMA, "runs": self._entries}))
