"""The zoo as read from the installed mmseg's real metafiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocseg_tui.core.zoo import ZooError, find_model, list_models


def test_the_zoo_lists_the_voc_aug_models_with_their_published_figures() -> None:
    models = list_models()
    assert len(models) >= 50
    assert len({m.family for m in models}) >= 12
    assert all("voc12aug" in m.name for m in models)
    upernet = find_model("upernet_r101_4xb4-40k_voc12aug-512x512")
    assert upernet.miou == pytest.approx(77.43)
    assert (upernet.iters, upernet.batch, upernet.gpus, upernet.batch_per_gpu) == (40_000, 16, 4, 4)
    assert upernet.crop == (512, 512)
    assert upernet.mmseg_config == "mmseg::upernet/upernet_r101_4xb4-40k_voc12aug-512x512.py"
    assert upernet.weights and upernet.weights.endswith(".pth")
    assert sum(m.memory_gb is not None for m in models) >= 30


def test_the_zoo_is_cached_per_mmseg_version(isolated_state_dir: Path) -> None:
    first = list_models()
    caches = list(isolated_state_dir.glob("zoo-mmseg-*.json"))
    assert len(caches) == 1
    assert json.loads(caches[0].read_text())["models"][0]["name"] == first[0].name
    assert list_models() == first


def test_a_family_is_found_by_folder_or_method_and_a_typo_gets_suggestions() -> None:
    assert {m.family for m in list_models("DeepLabV3+")} == {"deeplabv3plus"}
    assert len(list_models("pspnet")) == 4
    with pytest.raises(ZooError) as err:
        list_models("pspnett")
    assert "pspnet" in err.value.hint
    with pytest.raises(ZooError) as err:
        find_model("deeplabv3plus_r50-d8_4xb4-20k_voc12aug-512")
    assert "deeplabv3plus_r50-d8_4xb4-20k_voc12aug-512x512" in err.value.hint
