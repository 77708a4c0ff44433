"""Doctor's judgements on reports of broken stacks (the probe itself is run by the CLI test)."""

from __future__ import annotations

from vocseg_tui.core.doctor import _version_tuple, stack_checks


def _by_name(report: dict) -> dict:  # type: ignore[type-arg]
    return {c.name: c for c in stack_checks(report)}


def test_mmcv_outside_mmseg_window_fails_with_the_fix() -> None:
    checks = _by_name({"mmcv": {"ok": True, "version": "2.2.0", "ops": True}})
    assert checks["mmcv version"].status == "fail"
    assert "mmcv==2.1.0" in checks["mmcv version"].fix


def test_mmcv_lite_is_caught() -> None:
    checks = _by_name({"mmcv": {"ok": True, "version": "2.1.0", "ops": False,
                                "ops_error": "No module named 'mmcv._ext'"}})
    assert checks["mmcv compiled ops"].status == "fail"
    assert "mmcv-lite" in checks["mmcv compiled ops"].fix


def test_weights_only_torch_is_explained_with_the_way_out() -> None:
    checks = _by_name({"checkpoint": {"ok": True, "default_load_works": False,
                                      "allowlist_load_works": True}})
    assert checks["checkpoint loading"].status == "ok"
    assert "weights_only" in checks["checkpoint loading"].found
    assert "vocseg-tui" in checks["checkpoint loading"].fix


def test_a_broken_allowlist_loader_fails() -> None:
    checks = _by_name({"checkpoint": {"ok": True, "default_load_works": False,
                                      "allowlist_load_works": False, "allowlist_error": "x"}})
    assert checks["checkpoint loading"].status == "fail"


def test_missing_torch_fails() -> None:
    checks = _by_name({"torch": {"ok": False, "error": "No module named 'torch'"}})
    assert checks["torch"].status == "fail" and "CUDA" in checks["torch"].fix


def test_versions_compare_numerically() -> None:
    assert _version_tuple("2.0.0rc4") == (2, 0, 0)
    assert _version_tuple("2.13.0+cpu") == (2, 13, 0)
    assert (2, 0, 0) <= _version_tuple("2.1.0") < (2, 2, 0)
