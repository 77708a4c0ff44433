"""`vocseg-tui zoo`, `recipe --from-zoo` and `fit` as scripts use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocseg_tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_zoo_json_is_an_object_of_models(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "zoo", "--json", "--family", "hrnet")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == 1
    assert {m["name"] for m in data["models"]} >= {"fcn_hr18s_4xb4-20k_voc12aug-512x512"}


def test_zoo_text_and_an_unknown_family(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "zoo", "--family", "ocrnet")
    assert code == 0 and "ocrnet_hr48_4xb4-20k_voc12aug-512x512" in out and "77.72" in out
    code, _, err = run(capsys, "zoo", "--family", "ocrnt")
    assert code == 2 and "error:" in err and "ocrnet" in err
