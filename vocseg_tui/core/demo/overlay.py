"""Drawing a prediction: the photo tinted with the 21-class VOC palette, and a legend below it.

Object classes are blended over the photo (half photo, half class colour); background is left
untinted, so the photo stays readable and any tint means "the model found a class here". The
legend strip under the photo lists the classes present with their share of the image. Pure
numpy + Pillow: used by the inference worker, tested without torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vocseg_tui.core.voc import CLASSES, PALETTE

ALPHA = 0.5
"""Weight of the class colour in a tinted pixel."""
BACKGROUND = 0
ROW_HEIGHT = 18
PADDING = 4
SWATCH = 12
_FONT_SIZE = 12


@dataclass(frozen=True)
class LegendEntry:
    """One class present in the prediction."""

    index: int
    name: str
    color: tuple[int, int, int]
    pixels: int
    share: float

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "color": list(self.color),
                "pixels": self.pixels, "share": round(self.share, 4)}


def class_name(index: int, names: tuple[str, ...] = CLASSES) -> str:
    return names[index] if 0 <= index < len(names) else f"class {index}"


def legend_entries(labels: np.ndarray, names: tuple[str, ...] = CLASSES) -> list[LegendEntry]:
    """The classes present in `labels` (H x W ints), most pixels first."""
    counts = np.bincount(labels.ravel().astype(np.int64), minlength=1)
    total = int(labels.size) or 1
    present = [int(i) for i in np.nonzero(counts)[0]]
    entries = [LegendEntry(i, class_name(i, names), PALETTE[i % 256], int(counts[i]), counts[i] / total)
               for i in present]
    return sorted(entries, key=lambda e: (-e.pixels, e.index))


def tint(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The photo (H x W x 3 uint8, RGB) with every non-background pixel blended with its colour."""
    if image.shape[:2] != labels.shape:
        raise ValueError(f"labels {labels.shape} do not match the image {image.shape[:2]}")
    colors = np.asarray(PALETTE, dtype=np.float32)[labels.astype(np.int64) % 256]
    blended = np.rint(ALPHA * colors + (1.0 - ALPHA) * image.astype(np.float32)).astype(np.uint8)
    keep = (labels == BACKGROUND)[..., None]
    return np.where(keep, image, blended)


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=_FONT_SIZE)
    except TypeError:  # Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default()


def _layout(entries: list[LegendEntry], width: int) -> list[tuple[int, int, LegendEntry | None, str]]:
    """(x, y, entry, text) for every legend item, wrapped to `width`."""
    font = _font()
    items: list[tuple[int, int, LegendEntry | None, str]] = []
    shown = [e for e in entries if e.index != BACKGROUND]
    if not shown:
        return [(PADDING, PADDING, None, "no object class found (background only)")]
    x, y = PADDING, PADDING
    for entry in shown:
        text = f"{entry.name} {entry.share:.0%}"
        item_width = SWATCH + 4 + int(font.getlength(text)) + 10
        if x > PADDING and x + item_width > width:
            x, y = PADDING, y + ROW_HEIGHT
        items.append((x, y, entry, text))
        x += item_width
    return items


def legend_height(entries: list[LegendEntry], width: int) -> int:
    """Height in pixels of the legend strip drawn under an image `width` wide."""
    rows = {y for _, y, _, _ in _layout(entries, width)}
    return len(rows) * ROW_HEIGHT + 2 * PADDING


def compose(image: np.ndarray, labels: np.ndarray,
            names: tuple[str, ...] = CLASSES) -> tuple[Image.Image, list[LegendEntry]]:
    """The output picture: the tinted photo, exactly its size, above the legend strip."""
    entries = legend_entries(labels, names)
    height, width = labels.shape
    canvas = Image.new("RGB", (width, height + legend_height(entries, width)), (255, 255, 255))
    canvas.paste(Image.fromarray(tint(image, labels), "RGB"), (0, 0))
    draw = ImageDraw.Draw(canvas)
    font = _font()
    for x, y, entry, text in _layout(entries, width):
        top = height + y
        if entry is not None:
            draw.rectangle((x, top + 2, x + SWATCH, top + 2 + SWATCH), fill=entry.color, outline=(0, 0, 0))
            draw.text((x + SWATCH + 4, top), text, fill=(0, 0, 0), font=font)
        else:
            draw.text((x, top), text, fill=(0, 0, 0), font=font)
    return canvas, entries
