"""The Runs table as CSV and Markdown: the same columns the table shows, one row per run."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from vocseg_tui.core.runs.model import COLUMNS, RunRow


def cell(column: str, value: Any) -> str:
    """A column's value as a table prints it."""
    if value is None or value == []:
        return ""
    if column == "started" and isinstance(value, int | float):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M")
    if column == "tags":
        return " ".join(value)
    if column == "lr" and isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def to_csv(rows: list[RunRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["path", *COLUMNS])
    for row in rows:
        data = row.to_json()
        writer.writerow([row.path, *(cell(c, data.get(c)) for c in COLUMNS)])
    return out.getvalue()


def to_markdown(rows: list[RunRow]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---" * len(COLUMNS) + "|"]
    for row in rows:
        data = row.to_json()
        lines.append("| " + " | ".join(cell(c, data.get(c)).replace("|", r"\|") for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"
