"""The demo's image rules on real files: huge images refused from the header (no decode, no
Pillow traceback or warning), large ones shrunk to the working size as they are decoded."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.images import uniform_png
from vocseg_tui.core.demo import MAX_PIXELS, MAX_SIDE, DemoError, check_image
from vocseg_tui.core.demo.image import load_rgb, working_size


@pytest.mark.parametrize(("side", "said"), [(14000, "196 megapixels"),
                                            (12000, "12000 x 12000, 144 megapixels")])
def test_a_huge_image_is_refused_from_its_header_with_the_limit(tmp_path: Path, side: int, said: str) -> None:
    """14000^2 made Pillow raise DecompressionBombError; 12000^2 only warned, then ate 6 GiB."""
    huge = uniform_png(tmp_path / "huge.png", side, side)
    assert huge.stat().st_size < 200_000  # small on disk: only the header says it is huge
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a DecompressionBombWarning reaches the user
        with pytest.raises(DemoError) as caught:
            check_image(huge)
    assert time.perf_counter() - started < 1.0  # nothing was decoded
    assert said in caught.value.message
    assert "the limit is 64 megapixels" in caught.value.message
    assert str(MAX_SIDE) in caught.value.hint


def test_an_image_at_the_limit_passes_the_header_check(tmp_path: Path) -> None:
    side = int(MAX_PIXELS**0.5)
    assert check_image(uniform_png(tmp_path / "big.png", side, side)) == (tmp_path / "big.png").resolve()


def test_a_large_png_is_decoded_at_the_working_size(tmp_path: Path) -> None:
    big = uniform_png(tmp_path / "wide.png", 4000, 3000, rgb=(200, 40, 10))
    pixels, source = load_rgb(big)
    assert source == (4000, 3000)
    assert pixels.shape == (1536, 2048, 3) and pixels.dtype == np.uint8
    assert (pixels == np.array([200, 40, 10], dtype=np.uint8)).all()


def test_a_large_jpeg_is_decoded_at_the_working_size(tmp_path: Path) -> None:
    photo = tmp_path / "tall.jpg"
    Image.new("RGB", (3000, 5000), (20, 120, 220)).save(photo, quality=95)
    pixels, source = load_rgb(photo)
    assert source == (3000, 5000) and pixels.shape == (2048, 1229, 3)
    assert np.abs(pixels.astype(int) - [20, 120, 220]).max() <= 3


def test_small_images_keep_their_size() -> None:
    assert working_size((500, 375)) == (500, 375)
    assert working_size((2048, 10)) == (2048, 10)
    assert working_size((8000, 8000)) == (2048, 2048)
