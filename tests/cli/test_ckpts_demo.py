"""`vocseg-tui ckpts` and `vocseg-tui demo` as a script would call them: output and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import TrainedRun
from vocseg_tui.cli import main


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vocseg_tui", *args], capture_output=True, text=True,
                          cwd=cwd, check=False, timeout=180)


@pytest.mark.slow
def test_ckpts_json_lists_every_checkpoint_with_miou_best_and_integrity(
        trained_sample: TrainedRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "p"
    shutil.copytree(trained_sample.project.root, root)
    work = root / "work_dirs/sample_tiny"
    data = (work / "epoch_1.pth").read_bytes()
    (work / "epoch_1.pth").write_bytes(data[:4096])
    assert main(["--project", str(root), "ckpts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {Path(r["path"]).name: r for r in rows}
    assert set(by_name) == {p.name for p in work.glob("*.pth")}
    assert [n for n, r in by_name.items() if r["best"]] == [next(work.glob("best_*.pth")).name]
    assert by_name["epoch_1.pth"]["ok"] is False and by_name["epoch_3.pth"]["ok"] is True
    assert by_name["epoch_3.pth"]["epoch"] == 3 and by_name["epoch_3.pth"]["mIoU"] > 0
    assert main(["ckpts", str(work)]) == 0  # one run folder, as text
    text = capsys.readouterr().out
    assert "DAMAGED" in text and "best" in text and "last" in text


def test_ckpts_on_a_missing_folder_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ckpts", str(tmp_path / "nope")]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_writes_the_overlay_and_exits_0(trained_sample: TrainedRun, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(trained_sample.project.root, root)
    out = tmp_path / "mine.png"
    done = _cli("demo", str(root / "work_dirs/sample_tiny/epoch_3.pth"), "--out", str(out), "--json",
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["out"] == str(out) and out.is_file()
    assert result["config"] == str(root / "work_dirs/sample_tiny/sample_tiny.py")
    assert any(entry["pixels"] > 0 for entry in result["legend"])


@pytest.mark.slow
def test_demo_bad_input_exits_2_and_writes_nothing(trained_sample: TrainedRun, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ckpt = trained_sample.work_dir / "epoch_3.pth"
    out = tmp_path / "o.png"
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("text")
    assert main(["demo", str(ckpt), str(not_image), "--out", str(out)]) == 2
    assert "not an image" in capsys.readouterr().err
    assert main(["demo", str(tmp_path / "none.pth"), "--out", str(out)]) == 2
    assert main(["demo", str(ckpt), "--device", "tpu", "--out", str(out)]) == 2
    assert "unknown device" in capsys.readouterr().err
    assert not out.exists()
