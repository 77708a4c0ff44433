"""Pretrained weights: where a name points, whether it is already on disk, whether it fits.

mmengine resolves `open-mmlab://name` and `torchvision://name` to URLs and downloads them into
torch's hub cache on first use. On an offline server that download fails minutes into a
launch, so the tool says beforehand when a download would be needed, and where to put the file.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

# The two checkpoints the recipe offers (mmengine/hub/openmmlab.json, torchvision_0.12.json).
KNOWN_URLS = {
    "open-mmlab://resnet50_v1c": "https://download.openmmlab.com/pretrain/third_party/resnet50_v1c-2cccc1ad.pth",
    "open-mmlab://resnet18_v1c": "https://download.openmmlab.com/pretrain/third_party/resnet18_v1c-b5776b93.pth",
    "open-mmlab://resnet101_v1c": "https://download.openmmlab.com/pretrain/third_party/resnet101_v1c-e67eebb6.pth",
    "torchvision://resnet50": "https://download.pytorch.org/models/resnet50-0676ba61.pth",
    "torchvision://resnet18": "https://download.pytorch.org/models/resnet18-f37072fd.pth",
    "torchvision://resnet101": "https://download.pytorch.org/models/resnet101-63fe2227.pth",
}
SIZES_MB = {"resnet50": 98, "resnet18": 45, "resnet101": 171}


@dataclass(frozen=True)
class WeightsStatus:
    """Where `name` will come from at launch."""

    name: str
    kind: str  # "none" | "local" | "cached" | "download" | "missing" | "unknown"
    path: Path | None
    url: str | None
    message: str


def hub_checkpoint_dirs() -> list[Path]:
    """torch.hub's checkpoint folders, in the order torch would look (without importing torch)."""
    dirs: list[Path] = []
    if os.environ.get("TORCH_HUB"):
        dirs.append(Path(os.environ["TORCH_HUB"]).expanduser() / "checkpoints")
    cache = os.environ.get("XDG_CACHE_HOME", "~/.cache")
    home = Path(os.environ.get("TORCH_HOME", os.path.join(cache, "torch"))).expanduser()
    dirs += [home / "hub" / "checkpoints", home / "checkpoints"]
    return dirs


def weights_status(name: str | None, base: Path) -> WeightsStatus:
    """Classify pretrained weights `name`; a relative local path is taken from `base`."""
    if not name:
        return WeightsStatus("", "none", None, None, "no pretrained weights (random init)")
    url = KNOWN_URLS.get(name)
    if url is None and name.startswith(("http://", "https://")):
        url = name
    if url is None and "://" in name:
        return WeightsStatus(name, "unknown", None, None,
                             f"{name} is not a name this tool knows; mmengine may still resolve it")
    if url is None:
        path = Path(name).expanduser()
        path = path if path.is_absolute() else base / path
        if path.is_file():
            return WeightsStatus(name, "local", path, None, f"local checkpoint {path}")
        return WeightsStatus(name, "missing", path, None, f"local checkpoint {path} does not exist")
    filename = Path(urlparse(url).path).name
    for folder in hub_checkpoint_dirs():
        if (folder / filename).is_file():
            return WeightsStatus(name, "cached", folder / filename, url,
                                 f"{name} is cached at {folder / filename}")
    target = hub_checkpoint_dirs()[-2] / filename
    size = next((f" (~{mb} MB)" for key, mb in SIZES_MB.items() if key in filename), "")
    return WeightsStatus(name, "download", target, url,
                         f"{name} is not cached: launch will download {url}{size} to {target.parent}")


def torchvision_available() -> bool:
    """`torchvision://` names need the torchvision package (found without importing it)."""
    return importlib.util.find_spec("torchvision") is not None


REACH_TIMEOUT_S = 3.0
OFFLINE_ENV = "VOCSEG_OFFLINE"
"""Set to 1 on a machine known to be offline: no connection is tried, every download is refused."""


def reachable(url: str, timeout: float = REACH_TIMEOUT_S) -> bool:
    """Whether a TCP connection to `url`'s host (or the proxy urllib would use for it) opens
    within `timeout`: what the download at launch needs first. Name resolution cannot be
    given a timeout, so the attempt runs in a thread that is abandoned when it takes too long
    (a server without DNS reads as offline, which it is). With VOCSEG_OFFLINE=1: False, at once."""
    if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
        return False
    parts = urlparse(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        parts = urlparse(proxy if "://" in proxy else f"http://{proxy}")
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    if not host:
        return False
    answer: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                answer.append(True)
        except OSError:
            answer.append(False)

    thread = threading.Thread(target=attempt, name="vocseg-reach", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(answer and answer[0])
