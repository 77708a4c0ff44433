"""`vocseg-tui recipe` and `vocseg-tui check` as scripts use them: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.cli import main
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe import read_recipe

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_recipe_json_has_the_derived_values(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--project", str(tmp_path), "recipe", "--gpus", "1", "--batch", "8",
                       "--epochs", "100", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total_batch"] == 8
    assert data["lr"] == pytest.approx(0.005)
    assert data["iters_per_epoch"] == 1323
    assert data["total_iters"] == 132_300
    assert round(data["epochs_equiv_40k"], 1) == 60.5
    assert data["recipe"]["max_epochs"] == 100


def test_recipe_text_shows_the_arithmetic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--project", str(tmp_path), "recipe", "--gpus", "cpu", "--batch", "2")
    assert code == 0
    assert "lr               0.00125  (= 0.01 x 2 / 16)" in out
    assert "ceil(10,582 / 2)" in out


@pytest.mark.parametrize(("flag", "value", "words"), [
    ("--batch", "0", "at least 1"),
    ("--batch", "four", "not a valid"),
    ("--epochs", "-5", "at least 1"),
    ("--base-lr", "1000", "absurd"),
    ("--gpus", "two", "not a valid"),
    ("--val-interval", "500", "never"),
])
def test_bad_flags_exit_2_with_a_hint(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      flag: str, value: str, words: str) -> None:
    code, out, err = run(capsys, "--project", str(tmp_path), "recipe", flag, value)
    assert code == 2 and not out
    assert err.startswith("error: ") and words in err
    assert f"hint: fix {flag}" in err


def test_write_refuses_to_overwrite_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "recipe", "--gpus", "4", "--write", "configs/four.py")
    assert code == 0 and "wrote" in out
    written = tmp_path / "configs" / "four.py"
    recipe = read_recipe(written)
    assert recipe is not None and recipe.gpus == 4
    before = written.read_text()
    code, _, err = run(capsys, "recipe", "--gpus", "2", "--write", "configs/four.py")
    assert code == 2 and "already exists" in err and "--force" in err
    assert written.read_text() == before
    code, _, _ = run(capsys, "recipe", "--gpus", "2", "--write", "configs/four.py", "--force")
    assert code == 0 and read_recipe(written).gpus == 2  # type: ignore[union-attr]


def test_the_dataset_size_comes_from_the_project_lists(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    lists = tmp_path / "data/VOCdevkit/VOC2012/ImageSets/Segmentation"
    lists.mkdir(parents=True)
    (lists / "train.txt").write_text("a\nb\n")
    (lists / "aug.txt").write_text("c\nd\ne\n")
    code, out, _ = run(capsys, "--project", str(tmp_path), "recipe", "--json")
    assert code == 0 and json.loads(out)["recipe"]["dataset_size"] == 5


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`vocseg-tui check ARGS` on a machine said to be offline (no test connects to a weights
    host), with an empty torch cache."""
    return subprocess.run([sys.executable, "-m", "vocseg_tui", "check", *args], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=120,
                          env={**os.environ, "VOCSEG_OFFLINE": "1", "TORCH_HOME": str(cwd / ".torch")})


@pytest.mark.slow
def test_check_exits_1_on_the_tutorials_config_and_0_on_ours(tmp_path: Path) -> None:
    bad = check(str(REPO / "tests/core/recipe/configs/tutorial.py"), "--gpus", "2", "--json", cwd=tmp_path)
    assert bad.returncode == 1, bad.stderr
    report = json.loads(bad.stdout)
    assert not report["ok"]
    assert {"pretrained-mismatch", "scheduler-per-epoch"} <= {f["rule"] for f in report["findings"]}
    good = check(str(REPO / "configs/upernet_r50_voc12aug_epoch.py"), "--config-only", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "0 error(s)" in good.stdout and "(checked as a config only, for 2 GPU process(es))" in good.stdout
    # On this machine (no data in tmp_path) the launch would fail in its first minute.
    here = check(str(REPO / "configs/upernet_r50_voc12aug_epoch.py"), "--json", cwd=tmp_path)
    assert here.returncode == 1
    report = json.loads(here.stdout)
    assert report["schema"] == 1 and report["launch"] == {"processes": 2, "device": "gpu",
                                                          "machine_checked": True}
    errors = {f["rule"] for f in report["findings"] if f["severity"] == "error"}
    assert {"dataset-missing", "weights-offline"} <= errors  # VOCSEG_OFFLINE=1: open-mmlab:// unreachable


def test_check_exits_2_for_an_unreadable_config(tmp_path: Path) -> None:
    missing = check(str(tmp_path / "nope.py"), cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("model = dict(\n")
    done = check(str(broken), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_check_resolves_the_config_in_the_project_like_train(sample_project: Project, tmp_path: Path) -> None:
    """`--project DIR check configs/x.py` from another folder reads DIR/configs/x.py, and the
    config's relative data paths from DIR, as `train` does."""
    convert_like_voc_aug(sample_project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", "--project", str(sample_project.root), "check",
                           "configs/sample_tiny.py", "--json"], cwd=elsewhere, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["config"] == str(sample_project.configs_dir / "sample_tiny.py")
    assert report["launch"]["device"] == "cpu" and report["ok"]


@pytest.mark.parametrize("text", ["", "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)\n"])
def test_check_refuses_an_empty_or_model_less_config(sample_project: Project, text: str) -> None:
    config = sample_project.configs_dir / "empty.py"
    config.write_text(text)
    done = check("configs/empty.py", cwd=sample_project.root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error: the config " in done.stdout and "[model]" in done.stdout


def test_check_on_cpu_of_a_config_for_two_gpus_gives_the_rescaled_lr(sample_project: Project) -> None:
    convert_like_voc_aug(sample_project)
    code = main(["--project", str(sample_project.root), "recipe", "--gpus", "2", "--batch", "2",
                 "--base-lr", "0.01", "--name", "two", "--write", "configs/two.py"])
    assert code == 0 and (sample_project.configs_dir / "two.py").is_file()  # in the project, as train reads
    done = check("configs/two.py", "--gpus", "cpu", cwd=sample_project.root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("error: the config is for 2 process(es) x 2 = batch 4; this launch runs 1 x 2 = batch 2"
            in done.stdout)
    assert "--cfg-options optim_wrapper.optimizer.lr=0.00125" in done.stdout
    fixed = check("configs/two.py", "--gpus", "cpu", "--cfg-options", "optim_wrapper.optimizer.lr=0.00125",
                  cwd=sample_project.root)
    assert "device-count" not in fixed.stdout and "this launch runs" not in fixed.stdout


def test_recipe_says_which_config_it_started_from(sample_project: Project, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """In the sample project the starting recipe is sample_tiny's (base LR 0.4), not the 0.01 of
    the shipped recipe; the output says so, and --help says how the start is chosen."""
    code, out, _ = run(capsys, "--project", str(sample_project.root), "recipe", "--batch", "4")
    assert code == 0
    assert out.splitlines()[0] == "starting from configs/sample_tiny.py; the flags changed: --batch"
    assert "(= 0.4 x 4 / 16)" in out
    code, out, _ = run(capsys, "--project", str(sample_project.root), "recipe", "--json")
    assert json.loads(out)["started_from"] == str(sample_project.configs_dir / "sample_tiny.py")
    assert json.loads(out)["schema"] == 1
    code, out, _ = run(capsys, "--project", str(tmp_path), "recipe")
    assert out.startswith("starting from the shipped recipe;") and "(= 0.01 x 8 / 16)" in out
    with pytest.raises(SystemExit):
        main(["recipe", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert ("newest config written by vocseg-tui (in the sample project: sample_tiny.py, base LR 0.4)"
            in help_text)
    assert "--base-lr X LR of the base batch (default: the starting recipe's; 0.01 when shipped)" in help_text


def test_recipe_warns_of_an_absurd_lr_and_a_batch_larger_than_the_dataset(
        sample_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    convert_like_voc_aug(sample_project)  # the dataset size comes from its lists: 26 images
    code, out, _ = run(capsys, "--project", str(sample_project.root), "recipe", "--base-lr", "10",
                       "--base-batch", "16", "--batch", "40")
    assert code == 0  # legal values: warned, not refused
    assert "warning: lr 25 is absurd for SGD" in out
    assert "warning: total batch 40 is larger than the dataset (26 images)" in out
    code, out, _ = run(capsys, "--project", str(sample_project.root), "recipe", "--json")
    assert json.loads(out)["warnings"] == []
