"""`vocseg-tui recipe` and `vocseg-tui check` as scripts use them: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vocseg_tui.cli import main
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
    return subprocess.run([sys.executable, "-m", "vocseg_tui", "check", *args], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.slow
def test_check_exits_1_on_the_tutorials_config_and_0_on_ours(tmp_path: Path) -> None:
    bad = check(str(REPO / "tests/core/recipe/configs/tutorial.py"), "--gpus", "2", "--json", cwd=tmp_path)
    assert bad.returncode == 1, bad.stderr
    report = json.loads(bad.stdout)
    assert not report["ok"]
    assert {"pretrained-mismatch", "scheduler-per-epoch"} <= {f["rule"] for f in report["findings"]}
    good = check(str(REPO / "configs/upernet_r50_voc12aug_epoch.py"), cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "0 error(s)" in good.stdout


def test_check_exits_2_for_an_unreadable_config(tmp_path: Path) -> None:
    missing = check(str(tmp_path / "nope.py"), cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("model = dict(\n")
    done = check(str(broken), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
