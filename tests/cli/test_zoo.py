"""`vocseg-tui zoo`, `recipe --from-zoo` and `fit` as scripts use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocseg_tui.cli import main
from vocseg_tui.core.project import Project


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


def test_recipe_from_zoo_writes_an_epoch_config_that_inherits_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--project", str(tmp_path), "recipe", "--from-zoo",
                       "upernet_r101_4xb4-40k_voc12aug-512x512", "--gpus", "2", "--batch", "2",
                       "--write", "configs/up101.py", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == 1
    assert data["target_miou"] == pytest.approx(77.43)
    assert data["max_epochs"] == 61  # 40,000 x 16 / 10,582 = 60.5, never fewer samples
    assert data["lr"] == pytest.approx(0.01 * 4 / 16)
    assert data["optimizer"] == "SGD"
    assert not [f for f in data["findings"] if f["severity"] == "error"]
    text = (tmp_path / "configs" / "up101.py").read_text()
    assert "_base_ = ['mmseg::upernet/upernet_r101_4xb4-40k_voc12aug-512x512.py']" in text
    assert "EpochBasedTrainLoop" in text and "convert_to_iter_based=True" in text
    code, out, _ = run(capsys, "--project", str(tmp_path), "check", "configs/up101.py", "--config-only",
                       "--json")
    assert code == 0, out


def test_recipe_from_an_unknown_zoo_name_suggests_the_closest(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--project", str(tmp_path), "recipe", "--from-zoo", "pspnet_r50",
                       "--gpus", "1")
    assert code == 2
    assert "pspnet_r50-d8_4xb4-20k_voc12aug-512x512" in err


def test_fit_json_says_which_emulated_gpu_holds_it(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   sample_project: Project,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   sample_estimated: None) -> None:
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"memory_total_mib": 81920},
                                         {"memory_total_mib": 16, "memory_used_mib": 8}]}))
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    code, out, _ = run(capsys, "--project", str(sample_project.root), "fit", "configs/sample_tiny.py",
                       "--json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == 1 and data["batch_per_gpu"] == 2  # the config's own batch
    assert 0 < data["params_gib"] < data["peak_gib"] and data["activations_gib"] > 0
    assert [g["fits"] for g in data["fits"]] == [True, False]
    assert data["fits"][0]["largest_batch"] > 1000 and data["fits"][1]["largest_batch"] == 0
    code, out, _ = run(capsys, "--project", str(sample_project.root), "fit", "configs/sample_tiny.py")
    assert code == 0 and "won't fit" in out and "GiB per GPU" in out


def test_fit_of_a_missing_config_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--project", str(tmp_path), "fit", "configs/nope.py")
    assert code == 2 and "error:" in err and "does not exist" in err


def test_recipe_from_zoo_trains_from_scratch_with_an_empty_pretrained(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--project", str(tmp_path), "recipe", "--from-zoo",
                       "fcn_hr18s_4xb4-20k_voc12aug-512x512", "--gpus", "cpu", "--batch", "2",
                       "--pretrained", "", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["pretrained"] is None and data["gpus"] == 0
    assert not [f for f in data["findings"] if f["rule"].startswith("weights")]  # nothing to download
    # a 20k model is measured against its own schedule (30.2 epochs -> 31), not UPerNet's 40k
    [length] = [f for f in data["findings"] if f["rule"] == "schedule-length"]
    assert f"{data['max_epochs']} epochs = 1.03 x the official 20k schedule" in length["message"]
    assert data["max_epochs"] == 31 and "max_epochs=31" in length["fix"]
