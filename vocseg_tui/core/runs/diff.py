"""What differs between runs besides their metrics: the environment (each run's newest
reproducibility record, core/runs/repro.py) and the recipe (the `vocseg_recipe` dict of its
config dump). Both are flattened to dotted keys; only the keys whose values differ are kept,
each with one value per run (None: that run does not have it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vocseg_tui.core.checkpoints.discovery import find_config_dump
from vocseg_tui.core.recipe.files import RECIPE_VARIABLE, literal_dict
from vocseg_tui.core.runs.repro import latest_record

Diff = list[dict[str, Any]]
_NOT_COMPARED = ("schema", "written_at", "attempt", "job_id", "file", "cwd")
"""Fields that differ between any two attempts and say nothing about what they trained."""
_RECIPE_NAMES = ("name", "work_dir")
"""Differ between any two runs (the compare view's columns name them already)."""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value} if prefix else {}


def environment(record: dict[str, Any] | None) -> dict[str, Any]:
    """A record as dotted keys: `versions.torch`, `gpus.names`, `packages.numpy`, ..."""
    if record is None:
        return {}
    data = {k: v for k, v in record.items() if k not in _NOT_COMPARED}
    packages = data.pop("packages", None)
    git = data.get("git")
    if isinstance(git, dict):  # the diff's text is long: its hash says whether it differs
        data["git"] = {k: v for k, v in git.items() if k != "diff"}
    gpus = data.get("gpus")
    if isinstance(gpus, dict) and isinstance(gpus.get("devices"), list):
        devices = [d for d in gpus["devices"] if isinstance(d, dict)]
        data["gpus"] = {**{k: v for k, v in gpus.items() if k != "devices"},
                        "names": ", ".join(str(d.get("name")) for d in devices),
                        "uuids": ", ".join(str(d.get("uuid")) for d in devices)}
    if isinstance(data.get("command"), list):
        data["command"] = " ".join(map(str, data["command"]))
    flat = flatten(data)
    if isinstance(packages, list):
        for line in packages:
            name, _, version = str(line).partition("==")
            flat[f"packages.{name.lower()}"] = version
    elif packages is not None:
        flat.update(flatten(packages, "packages"))
    return flat


def differing(flats: list[dict[str, Any]]) -> Diff:
    """Keys (sorted) whose value is not the same in every run, with each run's value."""
    keys = sorted({k for flat in flats for k in flat})
    rows: Diff = []
    for key in keys:
        values = [flat.get(key) for flat in flats]
        if any(v != values[0] for v in values[1:]):
            rows.append({"key": key, "values": values})
    return rows


def environment_diff(work_dirs: list[Path]) -> Diff:
    records = [latest_record(w) for w in work_dirs]
    rows = differing([environment(r) for r in records])
    if any(r is None for r in records):
        rows.insert(0, {"key": "record", "values": [r.get("file") if r else None for r in records]})
    return rows


def no_records(rows: Diff) -> bool:
    """The environment diff of runs none of which has a record: nothing is known to differ."""
    return len(rows) == 1 and rows[0]["key"] == "record" and all(v is None for v in rows[0]["values"])


def recipe_dict(work_dir: Path) -> dict[str, Any] | None:
    """The config dump's `vocseg_recipe` as written (None: no dump or no recipe in it)."""
    dump = find_config_dump(work_dir) if work_dir.is_dir() else None
    if dump is None:
        return None
    try:
        text = dump.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return literal_dict(text, RECIPE_VARIABLE)


def recipe_diff(work_dirs: list[Path]) -> Diff:
    recipes = [{k: v for k, v in (recipe_dict(w) or {}).items() if k not in _RECIPE_NAMES}
               for w in work_dirs]
    return differing([flatten(r) for r in recipes])


def to_markdown(title: str, names: list[str], rows: Diff) -> str:
    """A `### title` section with one row per differing key (or a line saying none differ)."""
    lines = [f"### {title}", ""]
    if no_records(rows):
        return "\n".join([*lines, "no reproducibility record in these runs", ""]) + "\n"
    if not rows:
        return "\n".join([*lines, "no differences", ""]) + "\n"
    lines += ["| key | " + " | ".join(_md(n) for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    for row in rows:
        cells = ["-" if v is None else _md(str(v))[:80] for v in row["values"]]
        lines.append(f"| {_md(row['key'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")
