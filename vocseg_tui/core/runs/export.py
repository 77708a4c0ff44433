"""The Runs table as CSV and Markdown (the same columns the table shows, one row per run), and
both tables written to the project's outputs/."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.runs import compare
from vocseg_tui.core.runs.compare import ClassRow
from vocseg_tui.core.runs.model import COLUMNS, RunRow


def cell(column: str, value: Any) -> str:
    """A column's value as a table prints it."""
    if value is None or value == []:
        return ""
    if column == "started" and isinstance(value, int | float):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M")
    if column in ("tags", "jobs"):
        return " ".join(map(str, value))
    if column == "vs_published" and isinstance(value, float):
        return f"{value:+.2f}"
    if column == "lr" and isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


CHOOSABLE = ("path", *COLUMNS, "epochs", "published", "published_miou", "gpus", "jobs")
"""What `runs --columns` may name: the table's columns, `epochs` (done/planned) and a few more."""


def choose_columns(text: str) -> tuple[str, ...]:
    """`a,b,c` as columns, in the order given; an unknown name is refused naming the valid ones."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in CHOOSABLE]
    if unknown or not names:
        raise VocsegError(f"unknown column(s): {', '.join(unknown)}" if unknown else "no column named",
                          "choose from " + ", ".join(CHOOSABLE))
    return names


def row_data(row: RunRow) -> dict[str, Any]:
    """A row's JSON with the table's derived `epochs` cell (done/planned)."""
    data = row.to_json()
    data["epochs"] = f"{data['epochs_done']}/{data['max_epochs'] or '?'}"
    return data


def to_csv(rows: list[RunRow], columns: tuple[str, ...] | None = None) -> str:
    """The table as CSV: the path and every column, or only `columns` (in their order)."""
    chosen = columns or ("path", *COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(chosen)
    for row in rows:
        data = row_data(row)
        writer.writerow([cell(c, data.get(c)) for c in chosen])
    return out.getvalue()


def to_markdown(rows: list[RunRow], columns: tuple[str, ...] | None = None) -> str:
    chosen = columns or COLUMNS
    lines = ["| " + " | ".join(chosen) + " |", "|---" * len(chosen) + "|"]
    for row in rows:
        data = row_data(row)
        lines.append("| " + " | ".join(cell(c, data.get(c)).replace("|", r"\|") for c in chosen) + " |")
    return "\n".join(lines) + "\n"


def write_exports(outputs: Path, rows: list[RunRow], table: list[ClassRow] | None = None,
                  columns: tuple[str, ...] | None = None) -> list[Path]:
    """Write the runs table (CSV and Markdown; `columns`: those, as the Runs area shows them,
    else all) and, given one, the compare table (Markdown and LaTeX) into `outputs/`,
    atomically, under one time stamp; the paths written."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    files = {outputs / f"runs-{stamp}.csv": to_csv(rows, columns),
             outputs / f"runs-{stamp}.md": to_markdown(rows, columns)}
    if table:
        files[outputs / f"compare-{stamp}.md"] = compare.to_markdown(table)
        files[outputs / f"compare-{stamp}.tex"] = compare.to_latex(table)
    try:
        outputs.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            write_text_atomic(path, text)
    except OSError as error:
        raise VocsegError(f"cannot write to {outputs}: {error.strerror}",
                          "is the project folder writable?") from error
    return list(files)
