"""bench/gpu_check.py, the device check, as it runs here: its CPU path end to end (real training,
stop/resume, evaluation and demo through the product), its refusals of bad input, and the
closure check that keeps the carried wheel list complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from vocseg_tui.core.gpus import FAKE_ENV

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "gpu_check.py"


def gpu_check(*args: str, timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    """The script as a user runs it; the GPU hidden from torch, so this is the CPU path anywhere."""
    env = {k: v for k, v in os.environ.items() if k != FAKE_ENV}
    env["CUDA_VISIBLE_DEVICES"] = ""
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=REPO)


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{done.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def nvml_driver_present() -> bool:
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True


@pytest.mark.slow
def test_cpu_path_trains_the_real_r50_and_says_why_cuda_steps_are_skipped(tmp_path: Path) -> None:
    work = tmp_path / "work"
    done = gpu_check("--work", str(work), "--keep")
    result = last_json(done)
    steps = result["steps"]
    assert done.returncode == 0, json.dumps(steps, indent=1)
    assert result["schema"] == "vocseg-gpu-check/1" and result["ok"] is True and result["failed"] == []
    assert result["mode"] == "cpu" and "sees no CUDA device" in result["cpu_reason"]
    assert list(steps) == ["install", "mmcv_build", "stack", "nvml", "data", "train_fp32", "train_amp",
                           "stop_resume", "eval", "demo"]
    assert all(isinstance(s["seconds"], float | int) for s in steps.values())

    # The stack is present here: nothing is installed or built, and the reason says so.
    assert steps["install"]["status"] == "skipped" and "already installed" in steps["install"]["reason"]
    assert steps["mmcv_build"]["status"] == "skipped" and "2.1.0" in steps["mmcv_build"]["reason"]
    assert steps["stack"]["status"] == "ok" and steps["stack"]["mmcv"] == "2.1.0"
    assert steps["stack"]["cuda_available"] is False
    if nvml_driver_present():
        assert steps["nvml"]["status"] == "ok"
    else:
        assert steps["nvml"]["status"] == "skipped" and steps["nvml"]["reason"].startswith("no driver")

    # The R50 smoke trained for real through `vocseg-tui train`, on CPU.
    train = steps["train_fp32"]
    assert train["status"] == "ok" and train["smoke"] is True
    assert train["iterations"] == steps["data"]["iters_per_epoch"] == 2
    assert train["images_per_s"] > 0 and train["max_memory_allocated_mib"] is None
    assert train["gpus"] == [] and train["cuda_visible_devices"] == ""
    assert steps["train_amp"]["status"] == "skipped" and "AMP needs CUDA" in steps["train_amp"]["reason"]
    for name in ("stop_resume", "eval", "demo"):
        assert steps[name]["status"] == "skipped", name
        reason = steps[name]["reason"]
        assert "on CUDA needs a GPU: torch" in reason and "--smoke full" in reason, reason

    # Nothing left running, and the check used a registry of its own.
    assert result["jobs_stopped_at_end"] == []
    assert (work / "state").is_dir()


@pytest.mark.slow
def test_full_smoke_stops_resumes_evaluates_and_demos_through_the_product(tmp_path: Path) -> None:
    done = gpu_check("--smoke", "full", "--only", "eval,demo", "--work", str(tmp_path / "work"), "--keep")
    result = last_json(done)
    steps = result["steps"]
    assert done.returncode == 0, json.dumps(steps, indent=1)
    assert steps["train_fp32"]["reason"] == "not selected (--only)"

    # Stop after epoch 1, resume: the new attempt starts at epoch 1's end and trains epoch 2 only.
    resumed = steps["stop_resume"]
    assert resumed["status"] == "ok" and resumed["smoke"] is True
    assert resumed["resumed_from"] == "epoch_1.pth" and resumed["resumed_at"] == {"epoch": 1, "iter": 13}
    assert resumed["epochs_trained_after_resume"] == [2]
    assert resumed["resumed_job"] != resumed["first_job"]
    assert steps["eval"]["status"] == "ok" and steps["eval"]["device"] == "cpu"
    assert 0 <= steps["eval"]["mIoU"] <= 100 and steps["eval"]["images"] > 0
    assert steps["demo"]["status"] == "ok" and Path(steps["demo"]["out"]).read_bytes()[:4] == b"\x89PNG"
    assert steps["demo"]["classes"], "the legend lists the classes found"
    assert result["jobs_stopped_at_end"] == []


def test_a_missing_wheel_folder_is_refused_before_anything_runs(tmp_path: Path) -> None:
    work = tmp_path / "work"
    done = gpu_check("--wheels", str(tmp_path / "nowhere"), "--work", str(work))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: wheel folder {tmp_path / 'nowhere'} does not exist")
    assert "hint: download it where there is internet: python bench/gpu_check.py --download-wheels" \
        in done.stderr
    assert done.stdout == "" and not work.exists()


def test_an_interpreter_without_torch_is_refused_with_the_fix(tmp_path: Path) -> None:
    """The mistake to expect on a GPU machine: `python3` is not the Python that has torch."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    has_torch = subprocess.run([str(base), "-c", "import torch"], capture_output=True, check=False)
    if has_torch.returncode == 0:
        pytest.skip(f"{base} has torch too")
    done = subprocess.run([str(base), str(SCRIPT), "--work", str(tmp_path / "work")], capture_output=True,
                          text=True, timeout=120, check=False, cwd=REPO,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert done.returncode == 2 and done.stdout == ""
    assert f"error: {base} cannot import torch" in done.stderr
    assert "hint: run the check with the Python that has your CUDA build of torch" in done.stderr
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--smoke", "all"], "error: argument --smoke: invalid choice: 'all'"),
    (["--only", "train_fp32,warp_drive"], "error: --only 'train_fp32,warp_drive': unknown step warp_drive"),
    (["--budget", "0"], "error: --budget 0.0 is not a positive number of seconds"),
    (["--budget", "soon"], "error: argument --budget: invalid float value: 'soon'"),
])
def test_bad_arguments_exit_2_with_the_reason(args: list[str], message: str) -> None:
    done = gpu_check(*args)
    assert done.returncode == 2 and message in done.stderr and done.stdout == ""
    assert "Traceback" not in done.stderr


def test_a_work_folder_in_use_is_refused(tmp_path: Path) -> None:
    (tmp_path / "somebody's.txt").write_text("keep me")
    done = gpu_check("--work", str(tmp_path))
    assert done.returncode == 2 and f"error: work folder {tmp_path} exists and is not empty" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["somebody's.txt"]


def test_only_runs_the_asked_step_with_what_it_needs(tmp_path: Path) -> None:
    done = gpu_check("--only", "data", "--work", str(tmp_path / "work"))
    result = last_json(done)
    steps = result["steps"]
    assert done.returncode == 0 and result["ok"] is True
    assert steps["install"]["status"] == "skipped" and "already installed" in steps["install"]["reason"]
    assert steps["data"]["status"] == "ok" and steps["data"]["images_train"] > 0
    for name in ("mmcv_build", "stack", "nvml", "train_fp32", "train_amp", "stop_resume", "eval", "demo"):
        assert steps[name] == {"status": "skipped", "seconds": 0.0, "reason": "not selected (--only)"}, name
    assert result["work"] is None and not (tmp_path / "work").exists(), "a passing run cleans up"


def _wheel(folder: Path, name: str, *requires: str) -> None:
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as archive:
        archive.writestr(f"{name}-1.0.dist-info/METADATA", metadata)


def test_the_closure_check_names_requirements_nobody_brings(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gpu_check_wheels import check_closure
    finally:
        sys.path.remove(str(REPO / "bench"))
    _wheel(tmp_path, "yapf_like", "platformdirs>=3.5.1", 'tomli>=2.0.1; python_version < "3.11"', "numpy")
    _wheel(tmp_path, "platformdirs")
    _wheel(tmp_path, "mmseg_like", "matplotlib", "left_behind", 'pywin32; sys_platform == "win32"',
           "extras_only; extra == 'all'")
    assert check_closure(tmp_path, "3.12") == ["left-behind"]
    assert check_closure(tmp_path, "3.10") == ["left-behind", "tomli"]


def test_the_site_folder_runs_its_pth_files_like_site_packages(tmp_path: Path) -> None:
    """Python 3.12 has no distutils: mmengine gets it from setuptools' shim, which a .pth file
    switches on, and a folder on PYTHONPATH runs no .pth file unless made a site dir."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gpu_check_wheels import Site, write_sitecustomize
    finally:
        sys.path.remove(str(REPO / "bench"))
    site, other = tmp_path / "site", tmp_path / "other"
    site.mkdir()
    other.mkdir()
    (site / "shim.pth").write_text("import os; os.environ['GPU_CHECK_PTH'] = 'ran'\n")
    (other / "sitecustomize.py").write_text("import os; os.environ['GPU_CHECK_OTHER'] = 'ran'\n")
    show = "import os; print(os.environ.get('GPU_CHECK_PTH'), os.environ.get('GPU_CHECK_OTHER'))"

    def child() -> str:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(other)])}
        return subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert child() == "None ran", "a plain PYTHONPATH folder: its .pth file never runs"
    write_sitecustomize(Site(site, REPO))
    assert child() == "ran ran", "the .pth file runs, and so does the sitecustomize it shadows"
