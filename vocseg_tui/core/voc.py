"""PASCAL VOC 2012 facts shared by data preparation, recipes, the demo and the sample project."""

from __future__ import annotations

CLASSES: tuple[str, ...] = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
    "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
    "sheep", "sofa", "train", "tvmonitor",
)
NUM_CLASSES = len(CLASSES)
IGNORE_INDEX = 255

SPLIT_SIZES: dict[str, int] = {
    "train": 1464, "val": 1449, "sbd_train": 8498, "sbd_val": 2857, "aug": 9118, "trainaug": 10582,
}
"""Image counts of each split list in the official release (VOC 2012 train/val, SBD train/val,
and the `aug`/`trainaug` lists built from them): what a prepared data root is checked against."""
TRAINAUG_SIZE = SPLIT_SIZES["trainaug"]
"""VOC-aug's training set (10,582 images): what a recipe's epochs are counted over by default."""


def _voc_palette() -> list[tuple[int, int, int]]:
    """The standard VOC colour map: bits of the class id spread over R, G and B."""
    palette = []
    for label in range(256):
        r = g = b = 0
        cid = label
        for shift in range(7, -1, -1):
            r |= ((cid >> 0) & 1) << shift
            g |= ((cid >> 1) & 1) << shift
            b |= ((cid >> 2) & 1) << shift
            cid >>= 3
        palette.append((r, g, b))
    return palette


PALETTE: list[tuple[int, int, int]] = _voc_palette()
"""256 RGB triples; index 255 (void) is (224, 224, 192) as in the official PNGs."""


def flat_palette() -> list[int]:
    """The palette as the flat list PIL's `Image.putpalette` takes."""
    return [channel for rgb in PALETTE for channel in rgb]
