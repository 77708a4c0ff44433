"""Writers for the real on-disk formats of VOC 2012 and SBD.

- VOC `SegmentationClass/*.png`: palette-mode ("P") PNGs with the VOC colour map, object
  borders marked 255 (void), as in the official release.
- SBD `dataset/cls/*.mat`: MATLAB v5 files, compressed, holding the struct `GTcls` with
  `Segmentation` (HxW class ids), `Boundaries` (a 20x1 cell of sparse edge maps) and
  `CategoriesPresent` (the class ids present), which is what mmseg's `voc_aug.py` reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse
from PIL import Image

from vocseg_tui.core.sample.scenes import object_borders
from vocseg_tui.core.voc import IGNORE_INDEX, flat_palette


def write_jpeg(path: Path, image: np.ndarray) -> None:
    Image.fromarray(image, mode="RGB").save(path, format="JPEG", quality=90)


def write_voc_label(path: Path, label: np.ndarray) -> None:
    """Save a VOC-style palette PNG with a void border around every object."""
    voc = label.copy()
    voc[object_borders(label)] = IGNORE_INDEX
    png = Image.fromarray(voc, mode="P")
    png.putpalette(flat_palette())
    png.save(path, format="PNG")


def write_sbd_mat(path: Path, label: np.ndarray) -> None:
    """Save an SBD `cls/*.mat` file holding the `GTcls` struct."""
    boundaries = np.empty((20, 1), dtype=object)
    edges = object_borders(label)
    for cls in range(1, 21):
        boundaries[cls - 1, 0] = scipy.sparse.csc_matrix(edges & (label == cls))
    present = np.array([c for c in np.unique(label) if c > 0], dtype=np.uint8).reshape(-1, 1)
    gtcls = {
        "Segmentation": label.astype(np.uint8),
        "Boundaries": boundaries,
        "CategoriesPresent": present,
    }
    scipy.io.savemat(path, {"GTcls": gtcls}, do_compression=True, format="5")
