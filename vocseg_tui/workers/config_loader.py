"""Load any mmengine config in a child process and print it resolved, as one JSON object.

`python -m vocseg_tui.workers.config_loader CONFIG [--build] [--cfg-options K=V ...]`, or
`--serve` to answer requests (one JSON line each) on stdin for as long as stdin stays open.

The UI and CLI never import mmengine; they run this and read stdout. With `--build` it also
builds the model and the training dataloader on CPU and loads one batch (run it in the
project folder: data paths in configs are relative), which proves a config trains before a
GPU is spent on it. Every failure is reported as `{"ok": false, "error": ...}`, exit 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys
import traceback
from typing import Any


def _last_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1][:500] if text else type(exc).__name__


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def shipped_path(name: str) -> str:
    """`mmseg::upernet/x.py` -> the file inside the installed package's `.mim/configs`."""
    package, _, rel = name.partition("::")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    return os.path.join(next(iter(spec.submodule_search_locations)), ".mim", "configs", rel)


def load(path: str, cfg_options: list[str] | None = None) -> Any:
    """The config as tools/train.py will train it: `--cfg-options` merged (mmengine's own
    K=V parsing), and a changed max_epochs carried into the LR schedule."""
    from mmengine.config import Config

    cfg = Config.fromfile(shipped_path(path) if "::" in path else path)
    if cfg_options:
        from vocseg_tui.core.recipe.schedule import carry_max_epochs

        old_epochs = (cfg.get("train_cfg") or {}).get("max_epochs")
        options = parse_cfg_options(cfg_options)
        cfg.merge_from_dict(options)
        carry_max_epochs(cfg, old_epochs, set(options))
    return cfg


def parse_cfg_options(items: list[str]) -> dict[str, Any]:
    """`K=V` strings parsed exactly as tools/train.py's `--cfg-options` (mmengine's DictAction)."""
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    for item in items:
        if "=" not in item or item.startswith("-"):
            raise ValueError(f"--cfg-options {item!r} is not KEY=VALUE")
    try:
        return dict(parser.parse_args(["--cfg-options", *items]).cfg_options)
    except (SystemExit, argparse.ArgumentError) as exc:  # argparse's own complaint, never an exit
        raise ValueError(f"--cfg-options {' '.join(items)!r} cannot be parsed") from exc


def build(cfg: Any) -> dict[str, Any]:
    """Build the model and the train dataloader on CPU; load one batch."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    register_all_modules()
    init_default_scope("mmseg")
    model = MODELS.build(cfg.model)
    params = sum(p.numel() for p in model.parameters())
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    return {
        "model": type(model).__name__,
        "backbone": type(model.backbone).__name__,
        "parameters": int(params),
        "dataset_size": len(loader.dataset),
        "iters_per_epoch": len(loader),
        "batch_images": len(batch["inputs"]),
        "sampler": type(loader.sampler).__name__,
    }


def handle(config: str, do_build: bool, cfg_options: list[str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"ok": True}
    try:
        cfg = load(config, cfg_options)
        result["config"] = _jsonable(cfg.to_dict())
        if do_build:
            result["build"] = build(cfg)
    except Exception as exc:
        result = {"ok": False, "error": _last_line(exc), "stage": "build" if "config" in result else "load"}
    return result


def cache_package_index() -> None:
    """Parse a package's model index once per process, not once per `pkg::` base.

    mmengine 0.10's `_get_cfg_metainfo` reads all of mmseg's 159 metafile YAMLs every time a
    config names an `mmseg::` base (0.4 s each, three bases per config). A long-lived loader
    keeps the parsed index; the lookup and its ValueError for non-model names are unchanged.
    """
    import copy
    import functools
    import os.path as osp

    from mmengine.config import utils
    from mmengine.fileio import load as mm_load

    original = getattr(utils, "_get_cfg_metainfo", None)
    if original is None:  # another mmengine version: leave it alone
        return

    @functools.lru_cache(maxsize=8)
    def index(package_path: str) -> dict[str, Any]:
        models: dict[str, Any] = {}
        meta_index = mm_load(osp.join(package_path, ".mim", "model-index.yml"))
        for meta_path in meta_index["Import"]:
            for model_cfg in mm_load(osp.join(package_path, ".mim", meta_path))["Models"]:
                if "Config" in model_cfg:
                    models.setdefault(model_cfg["Config"].partition("/")[-1], model_cfg)
        return models

    def cached(package_path: str, cfg_path: str) -> dict[str, Any]:
        models = index(package_path)
        if cfg_path not in models:
            raise ValueError(f"Expected configs: {models.keys()}, but got {cfg_path}")
        return copy.deepcopy(models[cfg_path])  # type: ignore[no-any-return]

    utils._get_cfg_metainfo = cached


def serve() -> int:
    """One JSON request per stdin line ({"config", "cwd", "build"}), one JSON answer per line.

    The Recipe screen keeps one of these alive so a check costs milliseconds, not the
    second that importing mmengine takes in a fresh process.
    """
    sys.stdout.write(json.dumps({"ok": True, "ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            os.chdir(request.get("cwd") or os.getcwd())
            answer = handle(str(request["config"]), bool(request.get("build")),
                            [str(o) for o in request.get("cfg_options") or []])
        except Exception as exc:
            answer = {"ok": False, "error": _last_line(exc), "stage": "request"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", nargs="?")
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--serve", action="store_true", help="answer requests on stdin")
    parser.add_argument("--cfg-options", nargs="+", default=[], metavar="K=V",
                        help="merged as tools/train.py merges them")
    args = parser.parse_args(argv)
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    if args.serve:
        cache_package_index()
        return serve()
    if not args.config:
        parser.error("CONFIG is required without --serve")
    sys.stdout.write(json.dumps(handle(args.config, args.build, args.cfg_options)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
