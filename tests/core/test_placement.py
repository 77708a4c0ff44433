"""Where evaluation and the demo run: one GPU of the choice pinned (cuda:0 inside), or CPU with
every GPU hidden; device flags checked against the machine's GPUs (a fake server here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.gpus import FAKE_ENV
from vocseg_tui.core.placement import PlacementError, one_process, parse_device, parse_gpus


@pytest.fixture
def four_gpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GPUs 0-3, GPU 3 fallen off the bus."""
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [
        {"uuid": "GPU-aaaa"}, {"uuid": "GPU-bbbb"}, {"uuid": "GPU-cccc"},
        {"uuid": "GPU-dddd", "error": "GPU is lost"}]}))
    monkeypatch.setenv(FAKE_ENV, str(fake))


def test_cpu_hides_every_gpu_even_an_inherited_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    cpu = one_process(DeviceChoice.cpu())
    assert cpu.device == "cpu" and cpu.kind == "cpu" and cpu.label() == "CPU"
    assert cpu.visible_devices == "" and cpu.environment() == DeviceChoice.cpu().environment()


def test_several_gpus_run_a_one_process_child_on_the_first_pinned_as_cuda_0() -> None:
    placement = one_process(DeviceChoice(indices=(2, 3), uuids=("GPU-cccc", "GPU-dddd")))
    assert placement.device == "cuda:0" and placement.kind == "cuda"
    only_first = DeviceChoice(indices=(2,), uuids=("GPU-cccc",))
    assert placement.environment() == only_first.environment()
    assert placement.left_out == (3,) and placement.label() == "GPU 2 (first of 2,3)"
    assert one_process(only_first).label() == "GPU 2"


def test_device_flag_maps_an_nvml_index_to_that_gpu_pinned(four_gpus: None) -> None:
    placement = parse_device("cuda:2")
    assert placement.choice.indices == (2,) and placement.choice.uuids == ("GPU-cccc",)
    assert placement.device == "cuda:0"  # the worker sees only that GPU
    assert placement.environment() == DeviceChoice((2,), ("GPU-cccc",)).environment()
    assert parse_device("cuda").choice.indices == (0,)  # documented: cuda = GPU 0
    assert parse_device("CPU").is_cpu


@pytest.mark.parametrize(("flag", "match"), [
    ("cuda:7", r"GPU 7 does not exist \(this machine has 0,1,2,3\)"),
    ("cuda:3", "GPU 3 cannot be used: failed: GPU is lost"),
    ("tpu", "unknown device 'tpu'"),
    ("cuda:-1", "unknown device"),
])
def test_bad_device_flags_are_refused_with_a_hint(four_gpus: None, flag: str, match: str) -> None:
    with pytest.raises(PlacementError, match=match) as caught:
        parse_device(flag)
    assert caught.value.hint


def test_a_gpu_on_a_machine_without_gpus_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "none.json"
    fake.write_text(json.dumps({"gpus": []}))
    monkeypatch.setenv(FAKE_ENV, str(fake))
    with pytest.raises(PlacementError, match="no usable GPU") as caught:
        parse_device("cuda:0")
    assert "cpu" in caught.value.hint.lower()


def test_gpus_flag_keeps_the_uuids_and_refuses_nonsense(four_gpus: None) -> None:
    choice = parse_gpus("2,0")
    assert choice.indices == (0, 2) and choice.uuids == ("GPU-aaaa", "GPU-cccc")
    assert one_process(choice).label() == "GPU 0 (first of 0,2)"
    assert parse_gpus("cpu").is_cpu
    for bad in ("x", "", "-1"):
        with pytest.raises(PlacementError, match="not a list of GPU indices"):
            parse_gpus(bad)
