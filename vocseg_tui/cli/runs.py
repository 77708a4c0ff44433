"""`vocseg-tui runs`: every run of the project in one table, compared, tagged, exported.

`runs [--json|--csv|--markdown] [--filter EXPR] [--sort COL] [--columns A,B,C]` lists them (a
run is a work dir's lineage of jobs, or a work dir no job wrote; --columns picks the printed
columns of the text, CSV and Markdown outputs); `runs show RUN`, `runs compare RUN RUN...`
(per-class IoU of the 21 VOC classes and mIoU, best per column marked), `runs tag|untag|note`.
RUN is a work dir's name, its path, or any of its job ids; an ambiguous name is refused with
the candidates (exit 2). --json prints {"schema": 1, "runs": [...]} (compare: {"schema": 1,
"columns": [...], "runs": [...], "recipe": [...], "environment": [...]}, the keys that differ
between the runs; show: {"schema": 1, "run": {..., "repro": {...}}}, the newest attempt's
reproducibility record).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 62
RUNS_SCHEMA = 1
"""The `runs --json` object; 1: the first one."""


def register(commands: Any) -> None:
    runs = commands.add_parser(
        "runs", help="every run in one table: filter, sort, compare, tag, export",
        description="The runs of this project (each work dir under work_dirs/ and the work dirs of "
                    "its jobs), newest first. Exit 0; 2 on a bad filter, column or run name.",
        epilog="Filters: words joined by AND: mIoU>70 lr<0.01 tag:baseline state:running "
               "name:r50 or plain text. Sort: any column; --sort=-COL (or --reverse) for descending.")
    _list_options(runs)
    runs.set_defaults(handler=run_list)
    actions = runs.add_subparsers(dest="runs_action", metavar="ACTION")

    show = actions.add_parser("show", help="one run's facts")
    show.add_argument("run", metavar="RUN")
    show.add_argument("--json", action="store_true", help='print {"schema": 1, "run": {...}}')
    show.set_defaults(handler=run_show)

    compare = actions.add_parser("compare", help="per-class IoU of 2-6 runs, best per column marked")
    compare.add_argument("runs", nargs="+", metavar="RUN")
    formats = compare.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true")
    formats.add_argument("--markdown", action="store_true", help="a Markdown table (best in bold)")
    formats.add_argument("--latex", action="store_true", help="a LaTeX booktabs tabular (best in bold)")
    compare.set_defaults(handler=run_compare)

    tag = actions.add_parser("tag", help="add tags to a run (kept in the registry)")
    tag.add_argument("run", metavar="RUN")
    tag.add_argument("tags", nargs="+", metavar="TAG")
    tag.set_defaults(handler=run_tag)
    untag = actions.add_parser("untag", help="remove tags from a run")
    untag.add_argument("run", metavar="RUN")
    untag.add_argument("tags", nargs="+", metavar="TAG")
    untag.set_defaults(handler=run_untag)
    note = actions.add_parser("note", help="set a run's note ('' clears it)")
    note.add_argument("run", metavar="RUN")
    note.add_argument("text", metavar="TEXT")
    note.set_defaults(handler=run_note)


def _list_options(parser: argparse.ArgumentParser) -> None:
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help='print {"schema": 1, "runs": [...]}')
    formats.add_argument("--csv", action="store_true", help="the table as CSV")
    formats.add_argument("--markdown", action="store_true", help="the table as Markdown")
    parser.add_argument("--filter", default="", metavar="EXPR", help="e.g. 'mIoU>70 tag:baseline'")
    parser.add_argument("--sort", default="", metavar="COL", help="a column; --sort=-COL sorts descending")
    parser.add_argument("--reverse", action="store_true", help="reverse the order")
    parser.add_argument("--columns", default="", metavar="A,B,C",
                        help="the columns of the text, CSV and Markdown outputs, in this order")
    parser.add_argument("--all-projects", action="store_true", help="every project's runs")


def _rows(args: argparse.Namespace) -> list[Any]:
    from vocseg_tui.core.project import Project
    from vocseg_tui.core.runs.listing import list_runs

    return list_runs(Project.open(args.project), all_projects=getattr(args, "all_projects", False))


def run_list(args: argparse.Namespace) -> int:
    from vocseg_tui.core.runs import export
    from vocseg_tui.core.runs.query import parse_filter, sort_rows

    keep = parse_filter(args.filter)  # a bad expression is refused before any run is read
    columns = export.choose_columns(args.columns) if args.columns else None
    if args.sort:
        sort_rows([], args.sort)
    rows = [r for r in _rows(args) if keep(r)]
    if args.sort:
        rows = sort_rows(rows, args.sort)
    if args.reverse:
        rows.reverse()
    if args.json:
        print_json({"schema": RUNS_SCHEMA, "runs": [r.to_json() for r in rows]})
    elif args.csv:
        sys.stdout.write(export.to_csv(rows, columns))
    elif args.markdown:
        sys.stdout.write(export.to_markdown(rows, columns))
    elif not rows:
        print("no runs match" if args.filter else "no runs yet: train one with `vocseg-tui train CONFIG`")
    else:
        _print_table(rows, columns or _SHOWN)
    return ExitCode.OK


_SHOWN = ("name", "state", "model", "total_batch", "lr", "epochs", "best_miou", "best_epoch",
          "vs_published", "last_miou", "tags", "note")


def _print_table(rows: list[Any], columns: tuple[str, ...]) -> None:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.runs.export import cell, row_data

    def cells(row: Any) -> list[str]:
        data = row_data(row)
        return [escape_controls(cell(c, data.get(c)))[:40] for c in columns]

    table = [[c.upper() for c in columns], *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip())
    for row in rows:
        for problem in row.facts.problems:
            print(f"{escape_controls(row.name)}: {escape_controls(problem)}")


def _one(args: argparse.Namespace, text: str) -> Any:
    from vocseg_tui.core.runs.resolve import resolve_run

    return resolve_run(_rows(args), text)


def run_show(args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.runs.export import cell
    from vocseg_tui.core.runs.repro import latest_record, read_records
    from vocseg_tui.core.runs.repro_text import record_lines

    row = _one(args, args.run)
    data = row.to_json()
    work_dir = Path(row.path)
    if args.json:
        records = read_records(work_dir)
        data["repro"] = records[-1] if records else None
        data["repro_files"] = [r["file"] for r in records]
        print_json({"schema": RUNS_SCHEMA, "run": data})
        return ExitCode.OK
    for key, value in data.items():
        shown = ", ".join(map(str, value)) if key in ("jobs", "problems") else cell(key, value)
        print(f"{key:12} {escape_controls(shown)}")
    print()
    for line in record_lines(latest_record(work_dir)):
        print(escape_controls(line))
    return ExitCode.OK


def run_compare(args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.runs import compare
    from vocseg_tui.core.runs.resolve import resolve_run

    rows = _rows(args)
    chosen = [resolve_run(rows, text) for text in args.runs]
    from vocseg_tui.core.runs import diff

    table = compare.compare(chosen)
    work_dirs = [Path(r.path) for r in chosen]
    if args.latex:  # the paper's table only
        sys.stdout.write(compare.to_latex(table))
        return ExitCode.OK
    environment, recipe = diff.environment_diff(work_dirs), diff.recipe_diff(work_dirs)
    if args.json:
        print_json({**compare.to_json(table), "recipe": recipe, "environment": environment})
        return ExitCode.OK
    names = [r.name for r in chosen]
    text = "\n".join([compare.to_markdown(table), diff.to_markdown("Recipe diff", names, recipe),
                      diff.to_markdown("Environment diff", names, environment)])
    for line in text.splitlines():
        print(escape_controls(line))
    return ExitCode.OK


def run_tag(args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.runs.tags import add_tags

    row = _one(args, args.run)
    print(escape_controls(f"{row.name}: {' '.join(add_tags(row, args.tags))}"))
    return ExitCode.OK


def run_untag(args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.runs.tags import remove_tags

    row = _one(args, args.run)
    print(escape_controls(f"{row.name}: {' '.join(remove_tags(row, args.tags)) or '(no tags)'}"))
    return ExitCode.OK


def run_note(args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.runs.tags import set_note

    row = _one(args, args.run)
    print(escape_controls(f"{row.name}: {set_note(row, args.text) or '(no note)'}"))
    return ExitCode.OK
