"""The launch check: what fails in a launch's first minute, found before it starts.

Configs are resolved by mmengine (the loader child), data paths are real folders of a real
sample project, and reachability is a real TCP connection to 127.0.0.1 (a closed port, then a
listening socket): nothing here leaves the machine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe import Recipe, render_config
from vocseg_tui.core.recipe.loader import ConfigLoader
from vocseg_tui.core.recipe.preflight import launch_check, launch_findings
from vocseg_tui.core.recipe.validate import validate
from vocseg_tui.core.recipe.weights import reachable

Config = dict[str, Any]


def resolve(loader: ConfigLoader, folder: Path, text: str, *options: str) -> Config:
    path = folder / "candidate.py"
    path.write_text(text)
    return loader.resolve(path, cwd=folder, cfg_options=options).config


def rules(findings: list[Any]) -> dict[str, Any]:
    return {f.rule: f for f in findings}


@pytest.fixture
def listening() -> Iterator[int]:
    """A real TCP port on the loopback that accepts connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield int(server.getsockname()[1])
    finally:
        server.close()


def test_dataset_files_the_config_names_must_exist(sample_project: Project,
                                                   config_loader: ConfigLoader) -> None:
    """The sample before its SBD labels are converted: what failed as `Failed to load ann_file`."""
    config = sample_project.configs_dir / "sample_tiny.py"
    cfg = config_loader.resolve(config, cwd=sample_project.root).config
    found = rules(launch_findings(cfg, base=sample_project.root, processes=1, cpu=True))
    missing = found["dataset-missing"]
    assert missing.severity == "error"
    assert "data/VOCdevkit/VOC2012/ImageSets/Segmentation/aug.txt (train_dataloader)" in missing.message
    assert "vocseg-tui prepare" in missing.fix
    convert_like_voc_aug(sample_project)
    assert launch_findings(cfg, base=sample_project.root, processes=1, cpu=True) == []
    # The same config judged from another folder: relative paths are read from where it trains.
    elsewhere = sample_project.root / "configs"
    assert "dataset-missing" in rules(launch_findings(cfg, base=elsewhere, processes=1, cpu=True))


def test_a_weights_download_that_cannot_happen_refuses_with_the_fix(
    tmp_path: Path, config_loader: ConfigLoader, monkeypatch: pytest.MonkeyPatch, listening: int,
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("TORCH_HUB", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: the connection is refused, as offline
    text = render_config(Recipe(name="w", gpus=0, batch_per_gpu=2, arch="tiny", pretrained=None))
    url = f"http://127.0.0.1:{port}/resnet18_v1c-b5776b93.pth"
    cfg = resolve(config_loader, tmp_path, text, f"model.pretrained={url}")
    assert not reachable(url)
    found = rules(launch_check(cfg, base=tmp_path, processes=1, cpu=True))
    offline = found["weights-offline"]
    assert offline.severity == "error" and "weights-download" not in found
    cache = tmp_path / "torch" / "hub" / "checkpoints" / "resnet18_v1c-b5776b93.pth"
    assert f"download {url}" in offline.fix and f"copy it to {cache}" in offline.fix
    # Reachable: the download is only announced, as before.
    online = url.replace(str(port), str(listening))
    cfg = resolve(config_loader, tmp_path, text, f"model.pretrained={online}")
    found = rules(launch_check(cfg, base=tmp_path, processes=1, cpu=True))
    assert "weights-offline" not in found and found["weights-download"].severity == "info"
    monkeypatch.setenv("VOCSEG_OFFLINE", "1")  # said to be offline: not even tried
    assert not reachable(online)
    assert "weights-offline" in rules(launch_check(cfg, base=tmp_path, processes=1, cpu=True))
    monkeypatch.delenv("VOCSEG_OFFLINE")
    # Copied into the cache as the fix says: nothing to download, nothing to report.
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"weights")
    cfg = resolve(config_loader, tmp_path, text, f"model.pretrained={url}")
    assert not {"weights-offline", "weights-download"} & set(rules(launch_check(cfg, base=tmp_path,
                                                                                 processes=1, cpu=True)))


def test_cuda_only_features_are_refused_on_cpu(tmp_path: Path, config_loader: ConfigLoader) -> None:
    two_gpus = resolve(config_loader, tmp_path, render_config(Recipe(name="g", gpus=2, batch_per_gpu=2,
                                                                      arch="tiny", pretrained=None)))
    found = rules(launch_findings(two_gpus, base=tmp_path, processes=2, cpu=True, amp=True))
    assert found["amp-cpu"].severity == "error" and "--amp" in found["amp-cpu"].fix
    assert found["syncbn-cpu"].severity == "error"  # whatever dist backend the config names
    on_gpus = rules(launch_findings(two_gpus, base=tmp_path, processes=2, cpu=False, amp=True))
    assert not {"amp-cpu", "syncbn-cpu"} & set(on_gpus)
    one = rules(launch_findings(two_gpus, base=tmp_path, processes=1, cpu=True))
    assert "syncbn-cpu" not in one  # one process: mmengine reverts SyncBN to BN


def test_the_device_count_the_lr_was_scaled_for_is_checked(tmp_path: Path,
                                                           config_loader: ConfigLoader) -> None:
    """The issue's case: saved for 2 GPUs x 2 images (LR for batch 4), launched with 1 process."""
    text = render_config(Recipe(name="two", gpus=2, batch_per_gpu=2, arch="tiny", pretrained=None))
    cfg = resolve(config_loader, tmp_path, text)
    assert "device-count" not in rules(validate(cfg))  # as written: fine
    mismatch = rules(validate(cfg, processes=1, source="configs/two.py"))["device-count"]
    assert mismatch.severity == "error"
    assert mismatch.message == ("the config is for 2 process(es) x 2 = batch 4; this launch runs "
                                "1 x 2 = batch 2")
    assert "its lr 0.0025 is meant for batch 4" in mismatch.explanation
    assert "(0.01 x 2 / 16) gives 0.00125" in mismatch.explanation
    assert "--cfg-options optim_wrapper.optimizer.lr=0.00125" in mismatch.fix
    assert "vocseg-tui recipe --from configs/two.py --gpus 1" in mismatch.fix
    # Rescaled on the command line, or the same total batch: nothing to say.
    rescaled = resolve(config_loader, tmp_path, text, "optim_wrapper.optimizer.lr=0.00125")
    assert "device-count" not in rules(validate(rescaled, processes=1))
    same_batch = resolve(config_loader, tmp_path, text, "train_dataloader.batch_size=4")
    assert "device-count" not in rules(validate(same_batch, processes=1))


def test_a_hand_written_config_with_only_num_gpus_gets_a_warning(tmp_path: Path,
                                                                 config_loader: ConfigLoader) -> None:
    text = render_config(Recipe(name="h", gpus=2, batch_per_gpu=2, arch="tiny", pretrained=None))
    text = text[:text.index("vocseg_recipe = dict(")].replace("base_lr = 0.01", "base = 0.01")
    text = text.replace("lr = base_lr", "lr = base")
    cfg = resolve(config_loader, tmp_path, text)
    found = rules(validate(cfg, processes=1))["device-count"]
    assert found.severity == "warning" and "gives 0.00125" in found.explanation


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n",
                                  "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)\n"])
def test_an_empty_or_model_less_config_is_an_error(tmp_path: Path, config_loader: ConfigLoader,
                                                   text: str) -> None:
    found = rules(validate(resolve(config_loader, tmp_path, text)))["config-incomplete"]
    assert found.severity == "error" and found.key == "model"
    assert found.message == ("the config is empty" if "train_cfg" not in text
                             else "the config defines no model, train_dataloader, optim_wrapper")
    assert "vocseg-tui recipe --write" in found.fix


def test_a_batch_larger_than_the_dataset_and_an_absurd_lr_are_warned(tmp_path: Path,
                                                                      config_loader: ConfigLoader) -> None:
    text = render_config(Recipe(name="big", gpus=0, batch_per_gpu=64, base_lr=10, base_batch=16,
                                arch="tiny", pretrained=None, dataset_size=26))
    found = rules(validate(resolve(config_loader, tmp_path, text)))
    assert found["batch-exceeds-dataset"].severity == "warning"
    assert found["batch-exceeds-dataset"].message == "total batch 64 is larger than the dataset (26 images)"
    assert found["lr-absurd"].severity == "warning"
    assert found["lr-absurd"].message == "lr 40 is absurd for SGD"
    sane = render_config(Recipe(name="ok", gpus=0, batch_per_gpu=2, arch="tiny", pretrained=None,
                                dataset_size=26))
    assert not {"batch-exceeds-dataset", "lr-absurd"} & set(rules(validate(resolve(config_loader, tmp_path,
                                                                                     sane))))


def test_max_epochs_from_the_command_line_carries_into_the_schedule(tmp_path: Path,
                                                                     config_loader: ConfigLoader) -> None:
    text = render_config(Recipe(name="s", gpus=0, batch_per_gpu=2, arch="tiny", pretrained=None,
                                max_epochs=30))
    cfg = resolve(config_loader, tmp_path, text, "train_cfg.max_epochs=5")
    assert cfg["train_cfg"]["max_epochs"] == 5 and cfg["param_scheduler"][0]["end"] == 5
    assert "scheduler-short" not in rules(validate(cfg))
    by_hand = resolve(config_loader, tmp_path, text, "train_cfg.max_epochs=5", "param_scheduler.0.end=3")
    assert by_hand["param_scheduler"][0]["end"] == 3  # a schedule set by hand is the user's
