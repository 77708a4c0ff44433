"""The demo's image rules: a pixel limit checked from the header, and a bounded working size.

A photo's memory cost is its decoded size, not its file size: a uniform 14000 x 14000 PNG is a
few hundred kB on disk and 588 MB decoded, and mmseg then resizes its class scores back to the
full size (21 classes x 4 bytes a pixel: about 12 GiB for 12000 x 12000). So an image above
`MAX_PIXELS` is refused from its header alone (Pillow's `Image.open` is lazy: it reads the size,
decodes nothing), before any process starts and again in the worker; a smaller but large image
is shrunk so its longest side is at most `MAX_SIDE` before inference (JPEG decodes straight at
a reduced scale), which keeps the worker's memory bounded whatever the photo.
Used by the request checks (UI process) and by the inference worker; numpy is imported only
where pixels are decoded.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from vocseg_tui.core.demo.errors import DemoError

MAX_PIXELS = 64_000_000
"""Largest image the demo accepts (64 megapixels: any phone or DSLR photo up to 8000 x 8000)."""
MAX_SIDE = 2048
"""Longest side the demo works at (the VOC test pipeline itself resizes to at most 2048 x 512)."""


class ImageRefused(DemoError):
    """The image cannot be used for a demo: unreadable, or beyond the pixel limit."""


def limit_text() -> str:
    return f"{MAX_PIXELS / 1e6:.0f} megapixels"


def header_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file's header, checked against the limit; nothing is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                size = opened.size
    except Image.DecompressionBombError as error:  # Pillow's own, higher limit: a traceback before
        raise too_large(path, pixels=_pixels_in(str(error))) from None
    except FileNotFoundError:
        raise ImageRefused(f"image {path} does not exist", "pick an existing .jpg or .png") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable(path) from None
    check_pixels(path, size)
    return size


def check_pixels(path: Path, size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise too_large(path, size=size)


def too_large(path: Path, *, size: tuple[int, int] | None = None, pixels: int | None = None) -> ImageRefused:
    shown = f"{size[0]} x {size[1]}, " if size else ""
    count = size[0] * size[1] if size else pixels
    amount = f"{shown}{count / 1e6:.0f} megapixels" if count else "larger than Pillow accepts"
    return ImageRefused(f"{path.name} is too large for the demo ({amount}; the limit is {limit_text()})",
                        f"shrink it first (e.g. to {MAX_SIDE} pixels on its longest side), or pick a "
                        "smaller photo; the demo works at most at that size anyway")


def working_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size the demo runs at: `size` shrunk (aspect kept) to at most MAX_SIDE on its longest side."""
    width, height = size
    longest = max(width, height)
    if longest <= MAX_SIDE:
        return size
    scale = MAX_SIDE / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def load_rgb(path: Path) -> tuple[Any, tuple[int, int]]:
    """The photo as an RGB uint8 array at its working size, and its size on disk (width, height).
    Raises ImageRefused for an unreadable or too large file (checked before decoding)."""
    import numpy as np

    header_size(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                source = opened.size
                target = working_size(source)
                opened.draft("RGB", target)  # JPEG: decode at 1/2, 1/4 or 1/8 scale (still >= target)
                picture = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable(path) from None
    if picture.size != target:
        picture = picture.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(picture), source


def unreadable(path: Path) -> ImageRefused:
    return ImageRefused(f"{path.name} is not an image that can be read", "pick a .jpg or .png photo")


def _pixels_in(message: str) -> int | None:
    found = re.search(r"\((\d+) pixels\)", message)
    return int(found.group(1)) if found else None
