"""Per-class IoU of several runs side by side, as a paper prints it.

Each run's classes come from its best checkpoint's evaluation (`eval/<best>/metrics.json`, see
core/checkpoints/evaluate.py) where there is one, else from the per-class table mmseg logged at
its best validation (core/logs/parser.py reads it). The best value of each column is marked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.checkpoints.evaluate import read_metrics
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.logs.events import ValEvent
from vocseg_tui.core.logs.parser import LineParser
from vocseg_tui.core.logs.sources import run_logs
from vocseg_tui.core.runs.model import RunRow
from vocseg_tui.core.voc import CLASSES

COMPARE_SCHEMA = 1
COLUMNS = (*CLASSES, "mIoU")


@dataclass(frozen=True)
class ClassRow:
    """One run's row of the table: IoU per class (None: not measured) and where it came from."""

    name: str
    path: str
    values: dict[str, float | None] = field(default_factory=dict)
    source: str = ""


def class_row(row: RunRow) -> ClassRow:
    work_dir = Path(row.path)
    for best in sorted(work_dir.glob("best_*.pth")) if work_dir.is_dir() else []:
        metrics = read_metrics(work_dir / "eval" / best.stem / "metrics.json")
        classes = metrics.get("classes")
        if isinstance(classes, list) and classes:
            values = {str(c.get("name")): _number(c.get("IoU")) for c in classes if isinstance(c, dict)}
            values["mIoU"] = _number(metrics.get("mIoU"))
            return ClassRow(row.name, row.path, _ordered(values), f"evaluation of {best.name}")
    event = _logged_table(work_dir, row.facts.best_epoch)
    if event is not None:
        values = {c.name: c.iou for c in event.classes}
        values["mIoU"] = event.miou
        return ClassRow(row.name, row.path, _ordered(values), f"validation at epoch {event.epoch}")
    return ClassRow(row.name, row.path, _ordered({"mIoU": row.facts.best_miou}), "no per-class table logged")


def _logged_table(work_dir: Path, best_epoch: int | None) -> ValEvent | None:
    tables: list[ValEvent] = []
    for log in run_logs(work_dir):
        parser = LineParser()
        try:
            with open(log, encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    tables += [e for e in parser.feed(line.rstrip("\n"))
                               if isinstance(e, ValEvent) and e.classes]
        except OSError:
            continue
    at_best = [t for t in tables if best_epoch is not None and t.epoch == best_epoch]
    if at_best:
        return at_best[-1]
    return max(tables, key=lambda t: t.miou or -1.0) if tables else None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _ordered(values: dict[str, float | None]) -> dict[str, float | None]:
    return {name: values.get(name) for name in COLUMNS}


def compare(rows: list[RunRow]) -> list[ClassRow]:
    """The class rows of 2-6 runs, in the order given."""
    if not 2 <= len(rows) <= 6:
        raise VocsegError(f"compare takes 2 to 6 runs, not {len(rows)}", "name 2 to 6 runs")
    return [class_row(row) for row in rows]


def best_per_column(table: list[ClassRow]) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for column in COLUMNS:
        values = [v for r in table if (v := r.values.get(column)) is not None]
        found[column] = max(values) if values else None
    return found


def to_json(table: list[ClassRow]) -> dict[str, Any]:
    """The JSON of `runs compare`: each run's IoU per column, the columns where it is best, and
    its difference to the first run named (`delta`, None where either was not measured)."""
    best = best_per_column(table)
    first = table[0].values if table else {}
    return {"schema": COMPARE_SCHEMA, "columns": list(COLUMNS),
            "runs": [{"name": r.name, "path": r.path, "source": r.source, "iou": r.values,
                      "best": [c for c in COLUMNS if r.values.get(c) is not None and r.values[c] == best[c]],
                      "delta": {c: _delta(r.values.get(c), first.get(c)) for c in COLUMNS}}
                     for r in table]}


def _delta(value: float | None, base: float | None) -> float | None:
    return round(value - base, 4) if value is not None and base is not None else None


def _cell(value: float | None, best: float | None, mark: tuple[str, str]) -> str:
    if value is None:
        return "-"
    text = f"{value:.2f}"
    return f"{mark[0]}{text}{mark[1]}" if best is not None and value == best else text


def to_markdown(table: list[ClassRow]) -> str:
    """A GitHub table: one row per run, the best value per column in bold."""
    best = best_per_column(table)
    lines = ["| run | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for r in table:
        cells = [_cell(r.values.get(c), best[c], ("**", "**")) for c in COLUMNS]
        lines.append(f"| {_md(r.name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_latex(table: list[ClassRow]) -> str:
    """A booktabs tabular: class names rotated, the best value per column in bold."""
    best = best_per_column(table)
    head = " & ".join([r"Run", *(rf"\rotatebox{{90}}{{{c}}}" for c in COLUMNS)])
    lines = [r"\begin{tabular}{l" + "r" * len(COLUMNS) + "}", r"\toprule", head + r" \\", r"\midrule"]
    for r in table:
        cells = [_cell(r.values.get(c), best[c], (r"\textbf{", "}")) for c in COLUMNS]
        lines.append(" & ".join([_tex(r.name), *cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", r"\|")


_TEX = {"\\": r"\textbackslash{}", **{c: "\\" + c for c in "&%$#_{}"}}


def _tex(text: str) -> str:
    return "".join(_TEX.get(char, char) for char in text)
