"""Every validator rule, each with a config that trips it (resolved by mmengine once)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vocseg_tui.core.recipe import Recipe, render_config
from vocseg_tui.core.recipe.loader import ConfigLoader, ConfigLoadError, resolve_config
from vocseg_tui.core.recipe.validate import has_errors, validate

pytestmark = pytest.mark.xdist_group("validate")  # its module-scoped fixture is built once, in one worker

HERE = Path(__file__).parent
Config = dict[str, Any]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, config_loader: ConfigLoader) -> Config:
    """The shipped R50 recipe as mmengine resolves it (child process)."""
    path = tmp_path_factory.mktemp("cfg") / "r50.py"
    path.write_text(render_config(Recipe()))
    return config_loader.resolve(path).config


def rules(cfg: Config, processes: int | None = 2, base: Path | None = None) -> dict[str, str]:
    return {f.rule: f.severity for f in validate(cfg, processes=processes, base=base)}


def test_the_rendered_config_has_no_errors_or_warnings(good: Config) -> None:
    assert set(rules(good).values()) <= {"info"}


def _set(path: str, value: Any) -> Callable[[Config], None]:
    def apply(cfg: Config) -> None:
        node: Any = cfg
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[parts[-1]] = value
    return apply


TRAPS = [
    ("infinite-sampler", "error", _set("train_dataloader.sampler.type", "InfiniteSampler")),
    ("no-shuffle", "warning", _set("train_dataloader.sampler.shuffle", False)),
    ("checkpoint-by-iter", "error", _set("default_hooks.checkpoint.by_epoch", False)),
    ("logger-by-iter", "warning", _set("default_hooks.logger.log_metric_by_epoch", False)),
    ("log-processor-by-iter", "warning", _set("log_processor.by_epoch", False)),
    ("no-save-best", "info", _set("default_hooks.checkpoint.save_best", None)),
    ("scheduler-by-iter", "error", _set("param_scheduler.0.by_epoch", False)),
    ("scheduler-per-epoch", "warning", _set("param_scheduler.0.convert_to_iter_based", False)),
    ("scheduler-short", "warning", _set("param_scheduler.0.end", 30)),
    ("num-classes", "error", _set("model.decode_head.num_classes", 19)),
    ("num-classes", "error", _set("model.auxiliary_head.num_classes", 20)),
    ("pretrained-mismatch", "error", _set("model.pretrained", "torchvision://resnet50")),
    ("pretrained-depth", "error", _set("model.backbone.depth", 18)),
    ("weights-missing", "error", _set("model.pretrained", "/nowhere/r50_v1c.pth")),
    ("lr-not-scaled", "warning", _set("optim_wrapper.optimizer.lr", 0.02)),
    ("iter-loop", "warning", _set("train_cfg.type", "IterBasedTrainLoop")),
    ("recipe-drift", "warning", _set("train_cfg.max_epochs", 200)),
    ("recipe-invalid", "warning", _set("vocseg_recipe.batch_per_gpu", 0)),
]


def test_an_iteration_loop_over_an_infinite_sampler_resumes_at_once_so_is_not_flagged(good: Config) -> None:
    cfg = copy.deepcopy(good)
    _set("train_cfg.type", "IterBasedTrainLoop")(cfg)
    _set("train_dataloader.sampler.type", "InfiniteSampler")(cfg)
    assert [f for f in validate(cfg, processes=2) if f.rule == "iter-loop"] == []


@pytest.mark.parametrize(("rule", "severity", "trap"), TRAPS,
                         ids=[f"{t[0]}-{i}" for i, t in enumerate(TRAPS)])
def test_each_trap_is_found_with_an_explanation_and_a_fix(
    good: Config, rule: str, severity: str, trap: Callable[[Config], None],
) -> None:
    cfg = copy.deepcopy(good)
    trap(cfg)
    findings = [f for f in validate(cfg, processes=2) if f.rule == rule]
    assert findings, f"{rule} not found"
    assert findings[0].severity == severity
    assert findings[0].explanation and findings[0].fix
    assert has_errors(validate(cfg, processes=2)) == (severity == "error")


def test_the_mismatched_pair_offers_the_matching_weights_as_the_fix(good: Config) -> None:
    cfg = copy.deepcopy(good)
    cfg["model"]["pretrained"] = "torchvision://resnet50"
    finding = next(f for f in validate(cfg, processes=2) if f.rule == "pretrained-mismatch")
    assert "open-mmlab://resnet50_v1c" in finding.fix and "stem" in finding.explanation
    cfg["model"]["backbone"]["type"] = "ResNet"  # torchvision weights with mmseg's V1b ResNet: fine
    assert "pretrained-mismatch" not in rules(cfg)
    cfg["model"]["pretrained"] = "open-mmlab://resnet50_v1c"
    assert rules(cfg)["pretrained-mismatch"] == "error"


def test_weights_set_twice_is_the_tutorials_assertion(good: Config) -> None:
    cfg = copy.deepcopy(good)
    cfg["model"]["backbone"]["init_cfg"] = {"type": "Pretrained", "checkpoint": "open-mmlab://resnet50_v1c"}
    assert rules(cfg)["pretrained-twice"] == "error"


def test_syncbn_depends_on_the_launch(good: Config) -> None:
    assert "syncbn-one-process" not in rules(good, processes=2)
    assert rules(good, processes=1)["syncbn-one-process"] == "warning"
    cfg = copy.deepcopy(good)
    cfg["env_cfg"]["dist_cfg"]["backend"] = "gloo"
    assert rules(cfg, processes=2)["syncbn-cpu"] == "error"


def test_heads_in_a_list_are_all_checked(good: Config) -> None:
    cfg = copy.deepcopy(good)
    aux = cfg["model"]["auxiliary_head"]
    cfg["model"]["auxiliary_head"] = [aux, {**aux, "num_classes": 150}]
    finding = next(f for f in validate(cfg, processes=2) if f.rule == "num-classes")
    assert finding.key == "model.auxiliary_head[1].num_classes"


def test_offline_weights_are_announced_before_launch_and_a_cached_or_local_file_is_fine(
    good: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("TORCH_HUB", raising=False)
    found = {f.rule: f for f in validate(good, processes=2)}
    assert "resnet50_v1c-2cccc1ad.pth" in found["weights-download"].fix
    cache = tmp_path / "torch" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    (cache / "resnet50_v1c-2cccc1ad.pth").write_bytes(b"x")
    assert "weights-download" not in rules(good)
    local = tmp_path / "r50_v1c.pth"
    local.write_bytes(b"x")
    cfg = copy.deepcopy(good)
    cfg["model"]["pretrained"] = str(local)
    assert not has_errors(validate(cfg, processes=2))


def test_the_tutorials_config_is_refused_for_its_known_defects(config_loader: ConfigLoader) -> None:
    cfg = config_loader.resolve(HERE / "configs" / "tutorial.py").config
    found = rules(cfg, processes=2)
    assert found["pretrained-mismatch"] == "error"  # torchvision://resnet50 into ResNetV1c
    assert found["scheduler-per-epoch"] == "warning"  # PolyLR stepping once per epoch
    assert found["log-processor-by-iter"] == "warning"  # inherited by_epoch=False
    schedule = next(f for f in validate(cfg, processes=2) if f.rule == "schedule-length")
    assert "200 epochs = 3.31 x" in schedule.message


def test_a_config_mmengine_cannot_load_is_an_error_with_a_hint(
    tmp_path: Path, config_loader: ConfigLoader,
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("_base_ = ['mmseg::_base_/models/no_such_model.py']\n")
    for resolve in (resolve_config, config_loader.resolve):  # one-shot and long-lived alike
        with pytest.raises(ConfigLoadError) as caught:
            resolve(broken)
        assert "could not load" in caught.value.message and caught.value.hint
    assert config_loader.resolve(HERE / "configs" / "tutorial.py").config  # the loader survives it
