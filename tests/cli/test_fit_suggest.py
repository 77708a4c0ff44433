"""`fit` with AMP and its suggestions when a run does not fit, and the launch refusal that
lists them: real estimates of the sample model (three child processes, about 20 s)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.cli import main
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs import LaunchRefused
from vocseg_tui.core.jobs.launch import LaunchRequest, prepare
from vocseg_tui.core.project import Project


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fake_gpu(path: Path, monkeypatch: pytest.MonkeyPatch, free_mib: int) -> None:
    path.write_text(json.dumps({"gpus": [{"memory_total_mib": free_mib}]}))
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(path))


@pytest.mark.slow
def test_a_run_too_big_for_the_gpu_gets_batch_amp_and_crop_suggestions_with_their_lr(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, sample_project: Project,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = str(sample_project.root)
    # The sample's recipe (CPU, 2 images, base LR 0.4 at 16) at a 384 crop.
    code, _, _ = run(capsys, "--project", root, "recipe", "--from", "configs/sample_tiny.py", "--crop", "384",
                     "--write", "configs/big.py")
    assert code == 0
    fake_gpu(tmp_path / "gpus.json", monkeypatch, 81920)
    code, out, _ = run(capsys, "--project", root, "fit", "configs/big.py", "--json")
    big = json.loads(out)
    assert code == 0 and big["crop"] == [384, 384] and big["amp"] is False and big["norm"] == "BN"
    assert big["activation_dtype"] == "float32" and big["suggestions"] == []  # it fits: nothing to say

    free_mib = int(big["peak_gib"] * 1024 * 0.8)
    fake_gpu(tmp_path / "gpus.json", monkeypatch, free_mib)
    code, out, _ = run(capsys, "--project", root, "fit", "configs/big.py", "--json")
    assert code == 0
    found = {s["change"].split(",")[0]: s for s in json.loads(out)["suggestions"]}
    assert set(found) == {"batch 1 per GPU", "AMP", "crop 256x256"}
    assert found["batch 1 per GPU"]["lr"] == pytest.approx(0.4 * 1 / 16)  # the linear rule
    assert found["batch 1 per GPU"]["command"].startswith("vocseg-tui recipe --from configs/big.py --batch 1")
    assert "--gpus 1 --amp on" in found["AMP"]["command"]  # AMP needs a GPU; this recipe is CPU's
    assert "--crop 256" in found["crop 256x256"]["command"]
    for s in found.values():
        assert s["fits"] and s["peak_gib"] * 1024 <= free_mib
        assert s["lr"] == pytest.approx(0.4 * s["batch_per_gpu"] / 16)

    code, out, _ = run(capsys, "--project", root, "fit", "configs/big.py", "--amp", "--json")  # cached
    amp = json.loads(out)
    assert amp["amp"] is True and amp["activation_dtype"] in ("float16", "bfloat16")
    assert amp["activations_gib"] < big["activations_gib"] * 0.9  # half-precision activations
    code, out, _ = run(capsys, "--project", root, "fit", "configs/big.py")
    assert "(fp32, BN)" in out and "to fit GPU 0:" in out and "lr 0.025" in out

    convert_like_voc_aug(sample_project)
    request = LaunchRequest(Path("configs/big.py"), sample_project.root, devices=DeviceChoice((0,)))
    with pytest.raises(LaunchRefused) as err:
        prepare(request, dry_run=True)  # the estimates above are cached: the check uses them
    hint = err.value.hint
    assert "batch 1 per GPU" in hint and "AMP" in hint and "crop 256x256" in hint and "lr 0.025" in hint
    assert "--force" in hint
