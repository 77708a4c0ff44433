"""Find the installed mmseg's metafiles without importing mmseg, read the VOC-aug entries,
and cache them by the wheel's version (parsing 50 YAML files takes about a second)."""

from __future__ import annotations

import difflib
import importlib.metadata
import importlib.util
import json
from pathlib import Path
from typing import Any

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.project import state_dir
from vocseg_tui.core.zoo.model import ZooModel, from_metafile_entry

CACHE_FORMAT = 2


class ZooError(VocsegError):
    """The zoo cannot be read, or a name or family is not in it."""


def mmseg_configs_dir() -> Path:
    """mmseg's shipped configs (`mmseg/.mim/configs`), found from the package's location only."""
    spec = importlib.util.find_spec("mmseg")  # locates, does not import
    if spec is None or spec.origin is None:
        raise ZooError("mmsegmentation is not installed", "run scripts/setup.sh (it installs the stack)")
    configs = Path(spec.origin).parent / ".mim" / "configs"
    if not configs.is_dir():
        raise ZooError(f"the installed mmseg ships no configs folder ({configs})",
                       "reinstall mmsegmentation from its wheel (pip install mmsegmentation==1.2.2)")
    return configs


def _version() -> str:
    try:
        return importlib.metadata.version("mmsegmentation")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def read_metafiles(configs: Path) -> list[ZooModel]:
    """Every VOC-aug model in the metafiles under `configs`, sorted by family then name."""
    import yaml  # PyYAML: only this reader needs it

    models: list[ZooModel] = []
    for metafile in sorted(configs.glob("*/metafile.y*ml")):
        try:
            doc: Any = yaml.safe_load(metafile.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # one broken metafile must not hide the rest of the zoo
        for entry in (doc or {}).get("Models") or []:
            model = from_metafile_entry(entry) if isinstance(entry, dict) else None
            if model is not None:
                models.append(model)
    return sorted(models, key=lambda m: (m.family, m.name))


def list_models(family: str | None = None, *, use_cache: bool = True) -> list[ZooModel]:
    """The VOC-aug zoo of the installed mmseg (cached per version), optionally one family."""
    configs = mmseg_configs_dir()
    cache = state_dir() / f"zoo-mmseg-{_version()}.json"
    models: list[ZooModel] | None = None
    if use_cache and cache.is_file():
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            if data.get("format") == CACHE_FORMAT and data.get("configs") == str(configs):
                models = [ZooModel.from_dict(d) for d in data["models"]]
        except (OSError, ValueError, KeyError, TypeError):
            models = None
    if models is None:
        models = read_metafiles(configs)
        write_text_atomic(cache, json.dumps({"format": CACHE_FORMAT, "configs": str(configs),
                                             "models": [m.to_dict() for m in models]}))
    if family is None:
        return models
    families = sorted({m.family for m in models} | {m.collection.lower() for m in models})
    wanted = family.lower()
    if wanted not in families:
        raise ZooError(f"no VOC-aug family {family!r} in the zoo", _suggest(wanted, families, "families"))
    return [m for m in models if wanted in (m.family, m.collection.lower())]


def _suggest(wanted: str, names: list[str], what: str) -> str:
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.4)
    if close:
        return "did you mean " + ", ".join(close) + "?"
    return f"`vocseg-tui zoo` lists the {what}"


def find_model(name: str) -> ZooModel:
    """The zoo model called `name` (its metafile name, or its config file's stem)."""
    models = list_models()
    for m in models:
        if name in (m.name, Path(m.config).stem, m.mmseg_config):
            return m
    raise ZooError(f"no VOC-aug model {name!r} in the zoo", _suggest(name, [m.name for m in models], "names"))
