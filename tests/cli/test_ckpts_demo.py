"""`vocseg-tui ckpts`, `eval` and `demo` as a script would call them: output and exit codes,
and the device the evaluation and the demo worker really got (on a fake two-GPU server for the
GPU spellings: this machine's torch has no CUDA, which the user is told)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.images import uniform_png
from tests.projects import TwoProjects
from tests.training import TrainedRun
from vocseg_tui.cli import main
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.gpus import FAKE_ENV

UUIDS = ("GPU-00000000-aaaa", "GPU-00000001-bbbb")


def _cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vocseg_tui", *args], capture_output=True, text=True,
                          cwd=cwd, check=False, timeout=180, env={**os.environ, **(env or {})})


@pytest.fixture
def two_gpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fake server with GPUs 0 and 1, for this process and the CLI's child processes."""
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"uuid": uuid} for uuid in UUIDS]}))
    monkeypatch.setenv(FAKE_ENV, str(fake))
    return {FAKE_ENV: str(fake)}


def _pinned(index: int) -> str:
    return DeviceChoice((index,), (UUIDS[index],)).environment()["CUDA_VISIBLE_DEVICES"]


def _project(trained_sample: TrainedRun, tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(trained_sample.project.root, root)
    return root


@pytest.mark.slow
def test_ckpts_json_lists_every_checkpoint_with_miou_best_and_integrity(
        trained_sample: TrainedRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "p"
    shutil.copytree(trained_sample.project.root, root)
    work = root / "work_dirs/sample_tiny"
    data = (work / "epoch_1.pth").read_bytes()
    (work / "epoch_1.pth").write_bytes(data[:4096])
    assert main(["--project", str(root), "ckpts", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == 1 and document["other_projects"] == 0
    rows = document["checkpoints"]
    assert {r["project"] for r in rows} == {str(root.resolve())}
    by_name = {Path(r["path"]).name: r for r in rows}
    assert set(by_name) == {p.name for p in work.glob("*.pth")}
    assert [n for n, r in by_name.items() if r["best"]] == [next(work.glob("best_*.pth")).name]
    assert by_name["epoch_1.pth"]["ok"] is False and by_name["epoch_3.pth"]["ok"] is True
    assert by_name["epoch_3.pth"]["epoch"] == 3 and by_name["epoch_3.pth"]["mIoU"] > 0
    assert main(["ckpts", str(work)]) == 0  # one run folder, as text
    text = capsys.readouterr().out
    assert "DAMAGED" in text and "best" in text and "last" in text


@pytest.mark.slow
def test_ckpts_lists_the_projects_own_runs_and_all_projects_with_theirs(
        two_projects: TwoProjects, capsys: pytest.CaptureFixture[str]) -> None:
    mine, other = two_projects.mine, two_projects.other
    assert main(["--project", str(mine.root), "ckpts", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {Path(c["path"]).parent for c in document["checkpoints"]} == {two_projects.my_run}
    assert document["other_projects"] == 1
    assert main(["--project", str(mine.root), "ckpts"]) == 0
    text = capsys.readouterr().out
    assert "other_tiny" not in text
    assert "1 other project(s) have jobs in the registry: add --all-projects" in text

    assert main(["--project", str(mine.root), "ckpts", "--all-projects", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["checkpoints"]
    assert {(Path(c["path"]).parent, c["project"]) for c in rows} == {
        (two_projects.my_run, str(mine.root)), (two_projects.other_run, str(other.root))}
    assert main(["--project", str(mine.root), "ckpts", "--all-projects"]) == 0
    text = capsys.readouterr().out
    assert "[other-project]  other_tiny" in text and "[my-project]  sample_tiny" in text
    assert main(["ckpts", str(two_projects.my_run), "--all-projects"]) == 2
    assert "both say where to look" in capsys.readouterr().err


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


@pytest.mark.slow
def test_eval_waits_for_the_metrics_on_cpu_with_every_gpu_hidden(trained_sample: TrainedRun,
                                                                  tmp_path: Path) -> None:
    root = _project(trained_sample, tmp_path)
    ckpt = root / "work_dirs/sample_tiny/epoch_3.pth"
    done = _cli("--project", str(root), "eval", str(ckpt), "--wait", "--json", cwd=tmp_path,
                env={"CUDA_VISIBLE_DEVICES": "0"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["schema"] == 1 and result["state"] == "done" and result["device"] == "CPU"
    assert result["visible_devices"] == "" and len(result["classes"]) == 21
    metrics = json.loads(Path(result["metrics_file"]).read_text())
    assert metrics["visible_devices"] == "" and metrics["device"] == "cpu"  # what the child saw
    assert result["mIoU"] == metrics["mIoU"] > 0


@pytest.mark.slow
def test_eval_on_a_gpu_choice_uses_its_first_gpu_and_reports_missing_cuda(
        trained_sample: TrainedRun, tmp_path: Path, two_gpus: dict[str, str]) -> None:
    root = _project(trained_sample, tmp_path)
    ckpt = root / "work_dirs/sample_tiny/epoch_2.pth"
    done = _cli("--project", str(root), "eval", str(ckpt), "--gpus", "1,0", "--wait", cwd=tmp_path,
                env=two_gpus)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "on GPU 0 (first of 0,1); evaluation is one process, so it uses the first GPU" in done.stderr
    assert f"CUDA is not available in the evaluation (CUDA_VISIBLE_DEVICES={_pinned(0)!r}" in done.stderr
    assert "Traceback" not in done.stderr
    pid = json.loads((root / "work_dirs/sample_tiny/eval/epoch_2/eval.pid").read_text())
    assert pid["visible_devices"] == _pinned(0)


@pytest.mark.slow  # the fixture trains the sample
def test_eval_of_a_gpu_that_does_not_exist_starts_nothing(
        trained_sample: TrainedRun, tmp_path: Path, two_gpus: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(trained_sample, tmp_path)
    ckpt = root / "work_dirs/sample_tiny/epoch_2.pth"
    assert main(["eval", str(ckpt), "--gpus", "5"]) == 2
    err = capsys.readouterr().err
    assert "error: GPU 5 does not exist (this machine has 0,1)" in err and "hint:" in err
    assert main(["eval", str(ckpt), "--gpus", "one"]) == 2
    assert "not a list of GPU indices" in capsys.readouterr().err
    assert not (root / "work_dirs/sample_tiny/eval").exists()


@pytest.mark.slow
def test_demo_on_a_gpu_pins_that_gpu_and_says_cuda_is_missing(
        trained_sample: TrainedRun, tmp_path: Path, two_gpus: dict[str, str]) -> None:
    root = _project(trained_sample, tmp_path)
    out = tmp_path / "o.png"
    done = _cli("demo", str(root / "work_dirs/sample_tiny/epoch_3.pth"), "--device", "cuda:1",
                "--out", str(out), cwd=tmp_path, env={**two_gpus, "CUDA_VISIBLE_DEVICES": "0"})
    assert done.returncode == 2
    assert (f"error: CUDA is not available in the inference worker "
            f"(CUDA_VISIBLE_DEVICES={_pinned(1)!r}") in done.stderr  # GPU 1 pinned, not the inherited 0
    assert "hint:" in done.stderr and "Traceback" not in done.stderr and not out.exists()


def test_demo_device_flags_are_checked_against_the_gpus(
        trained_sample: TrainedRun, tmp_path: Path, two_gpus: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    ckpt = trained_sample.work_dir / "epoch_3.pth"
    out = tmp_path / "o.png"
    assert main(["demo", str(ckpt), "--device", "cuda:9", "--out", str(out)]) == 2
    assert "GPU 9 does not exist (this machine has 0,1)" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("side", "said"), [(14000, "(196 megapixels;"),
                                            (12000, "(12000 x 12000, 144 megapixels;")])
def test_demo_refuses_a_huge_image_before_starting_anything(
        trained_sample: TrainedRun, tmp_path: Path, side: int, said: str) -> None:
    """Before: PIL's DecompressionBombError traceback (14000^2), a worker past 6 GiB (12000^2)."""
    huge = uniform_png(tmp_path / "poster.png", side, side)
    out = tmp_path / "o.png"
    done = _cli("demo", str(trained_sample.work_dir / "epoch_3.pth"), str(huge), "--out", str(out),
                cwd=tmp_path)
    assert done.returncode == 2
    assert f"error: poster.png is too large for the demo {said} the limit is 64 megapixels)" in done.stderr
    assert "hint:" in done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr and not out.exists()
