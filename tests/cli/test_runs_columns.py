"""`vocseg-tui runs --columns a,b,c`: the printed columns of the text, CSV and Markdown outputs,
in the order named; an unknown column is refused (exit 2) naming the valid ones."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.synthetic_runs import write_run
from vocseg_tui.cli import main


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, ceiling in (("r50_a", 70.0), ("r50_b", 60.0)):
        write_run(tmp_path / "proj" / "work_dirs" / name, epochs=3, max_epochs=8, ceiling=ceiling)
    return tmp_path / "proj"


def _run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(root), "runs", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_columns_pick_and_order_the_printed_columns(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(root, capsys, "--csv", "--columns", "best_miou,name,epochs", "--sort", "name")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [["best_miou", "name", "epochs"], ["21.89", "r50_a", "3/8"],
                                                  ["18.76", "r50_b", "3/8"]]
    code, out, _ = _run(root, capsys, "--markdown", "--columns", "name,lr")
    assert code == 0 and out.splitlines()[0] == "| name | lr |" and len(out.splitlines()) == 4
    code, out, _ = _run(root, capsys, "--columns", "name, state", "--sort", "name")
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [["NAME", "STATE"], ["r50_a", "incomplete"],
                                                          ["r50_b", "incomplete"]]
    code, out, _ = _run(root, capsys, "--csv")  # no choice: the path and every column, as before
    assert code == 0 and out.splitlines()[0].startswith("path,name,state,model,")


def test_an_unknown_column_is_refused_naming_the_valid_ones(root: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(root, capsys, "--columns", "name,miou,colour")
    assert code == 2 and out == ""
    assert "unknown column(s): miou, colour" in err and "best_miou" in err and "hint:" in err
    assert "Traceback" not in err
