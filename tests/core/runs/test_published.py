"""The published target of a run (mmseg's metafiles, through core/zoo): UPerNet-R50 at the
official schedule nearest to our recipe's epochs, a zoo run's own model, none for the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocseg_tui.cli import main
from vocseg_tui.core.runs.disk import read_facts
from vocseg_tui.core.runs.export import cell
from vocseg_tui.core.runs.model import RunRow


def _run(root: Path, name: str, config: str, best: float = 76.0) -> Path:
    work_dir = root / "work_dirs" / name
    (work_dir / "20261201_100000" / "vis_data").mkdir(parents=True)
    (work_dir / f"{name}.py").write_text(config)
    (work_dir / "20261201_100000" / "vis_data" / "scalars.json").write_text(
        json.dumps({"aAcc": 90.0, "mIoU": best, "mAcc": 80.0, "step": 1}) + "\n")
    return work_dir


@pytest.mark.parametrize(("epochs", "published", "target"), [
    (61, "upernet_r50_4xb4-40k_voc12aug-512x512", 75.92),
    (30, "upernet_r50_4xb4-20k_voc12aug-512x512", 74.82),
])
def test_our_recipe_is_measured_against_upernet_r50(tmp_path: Path, epochs: int, published: str,
                                                    target: float) -> None:
    work_dir = _run(tmp_path, "r50", f"vocseg_recipe = dict(\n    arch='r50',\n    max_epochs={epochs},\n)\n")
    facts = read_facts(work_dir)
    assert (facts.published, facts.published_miou) == (published, target)
    row = RunRow("r50", str(work_dir), "done", (), facts, 1.0, None)
    assert row.vs_published == round(76.0 - target, 2)
    assert row.to_json()["vs_published"] == row.vs_published and cell("vs_published", 0.08) == "+0.08"


def test_a_zoo_run_names_its_target_and_others_have_none(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    zoo = _run(tmp_path, "hr18", "model = dict()\nvocseg_zoo = dict(\n"
                                 "    name='fcn_hr18s_4xb4-20k_voc12aug-512x512',\n"
                                 "    target_miou=66.61,\n    gpus=2,\n)\n", best=60.0)
    tiny = _run(tmp_path, "tiny", "vocseg_recipe = dict(\n    arch='tiny',\n    max_epochs=3,\n)\n")
    assert read_facts(zoo).published_miou == 66.61
    assert read_facts(tiny).published == "" and read_facts(tiny).published_miou is None
    assert main(["--project", str(tmp_path), "runs", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["runs"]}
    assert rows["hr18"]["vs_published"] == -6.61 and rows["tiny"]["vs_published"] is None
    assert main(["--project", str(tmp_path), "runs", "--filter", "vs_published<0"]) == 0
    out = capsys.readouterr().out
    assert "VS_PUBLISHED" in out and "-6.61" in out and "tiny" not in out
