"""Synthetic scenes for the sample project: images whose labels a tiny model can learn.

Each class drawn has its own colour (with noise), so a few CPU epochs already move mIoU above
zero and the curves on the Logs screen mean something. Generation is seeded: the same sample
project comes out byte for byte every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A handful of VOC classes, each with the mean RGB its pixels are drawn around.
SCENE_CLASSES: dict[int, tuple[int, int, int]] = {
    1: (200, 60, 40),    # aeroplane
    7: (40, 170, 60),    # car
    8: (220, 200, 40),   # cat
    12: (60, 80, 210),   # dog
    15: (210, 110, 190), # person
}
HEIGHT, WIDTH = 96, 128  # 4:3, like VOC's typical 500x375


@dataclass(frozen=True)
class Scene:
    """One synthetic photo and its ground truth (class ids 0..20, no void)."""

    image: np.ndarray  # HxWx3 uint8 RGB
    label: np.ndarray  # HxW uint8


def make_scene(rng: np.random.Generator) -> Scene:
    """Draw a background and one to three rectangles or ellipses of known classes."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    label = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    sky = np.array([110, 120, 130], dtype=np.float32)
    image = sky + 20.0 * np.sin(xx[..., None] / 9.0 + rng.uniform(0, 6)) * np.ones(3)
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.choice(list(SCENE_CLASSES)))
        h, w = int(rng.integers(20, 56)), int(rng.integers(24, 72))
        top, left = int(rng.integers(0, HEIGHT - h)), int(rng.integers(0, WIDTH - w))
        if rng.random() < 0.5:
            mask = (yy >= top) & (yy < top + h) & (xx >= left) & (xx < left + w)
        else:
            cy, cx = top + h / 2, left + w / 2
            mask = ((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2 <= 1.0
        label[mask] = cls
        image[mask] = np.array(SCENE_CLASSES[cls], dtype=np.float32)
    image += rng.normal(0.0, 12.0, size=image.shape)
    return Scene(np.clip(image, 0, 255).astype(np.uint8), label)


def object_borders(label: np.ndarray, width: int = 1) -> np.ndarray:
    """Pixels within `width` of a change of class: where VOC's PNGs put the void 255 border."""
    border = np.zeros(label.shape, dtype=bool)
    for axis in (0, 1):
        for shift in range(1, width + 1):
            diff = label != np.roll(label, shift, axis=axis)
            if axis == 0:
                diff[:shift, :] = False
            else:
                diff[:, :shift] = False
            border |= diff | np.roll(diff, -shift, axis=axis)
    return border
