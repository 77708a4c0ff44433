"""SBD .mat -> PNG conversion: same pixels as mmseg's voc_aug.py, incremental, atomic, robust."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.sparse
from PIL import Image

from vocseg_tui.core.data.convert import convert_all
from vocseg_tui.core.data.errors import Cancelled
from vocseg_tui.core.data.progress import CancelToken
from vocseg_tui.core.project import Project
from vocseg_tui.core.sample.formats import write_sbd_mat

MMSEG_CONVERT = textwrap.dedent("""
    import importlib.util, os, sys
    spec = importlib.util.find_spec("mmseg")
    tool = os.path.join(os.path.dirname(spec.origin), ".mim/tools/dataset_converters/voc_aug.py")
    loader = importlib.util.spec_from_file_location("voc_aug", tool)
    voc_aug = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(voc_aug)
    in_dir, out_dir = sys.argv[1], sys.argv[2]
    for name in sorted(os.listdir(in_dir)):
        voc_aug.convert_mat(name, in_dir, out_dir)
""")


def _pixels(path: Path) -> tuple[str, np.ndarray]:
    with Image.open(path) as image:
        return image.mode, np.asarray(image)


@pytest.mark.slow
def test_pngs_equal_mmseg_convert_mat_pixel_for_pixel(sample_project: Project, tmp_path: Path) -> None:
    cls = sample_project.sbd_root / "cls"
    rng = np.random.default_rng(7)
    odd = rng.integers(0, 21, size=(375, 500)).astype(np.uint8)
    odd[:10] = 255  # void, as SBD never has but VOC-style data might
    write_sbd_mat(cls / "2012_999999.mat", odd)
    write_sbd_mat(cls / "2012_999998.mat", np.zeros((1, 7), np.uint8))
    # Layouts the direct MAT reader must get right or leave to scipy: Boundaries before
    # Segmentation, no compression, a double-class map, another variable first.
    edges = np.empty((20, 1), dtype=object)
    for c in range(20):
        edges[c, 0] = scipy.sparse.csc_matrix(odd == c + 1)
    scipy.io.savemat(cls / "2012_999997.mat", {"GTcls": {"Boundaries": edges, "Segmentation": odd}},
                     do_compression=False)
    scipy.io.savemat(cls / "2012_999996.mat", {"note": np.ones((2, 3)), "GTcls": {
        "Boundaries": edges, "Segmentation": odd.astype(np.float64)}}, do_compression=True)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    theirs.mkdir()
    result = convert_all(cls, ours, jobs=1)
    assert result.converted == len(list(cls.glob("*.mat"))) and not result.failed
    subprocess.run([sys.executable, "-c", MMSEG_CONVERT, str(cls), str(theirs)], check=True, timeout=120)
    names = sorted(p.name for p in theirs.glob("*.png"))
    assert names == sorted(p.name for p in ours.glob("*.png")) and len(names) == 30
    for name in names:
        mode, pixels = _pixels(ours / name)
        their_mode, their_pixels = _pixels(theirs / name)
        assert mode == their_mode == "L"
        assert pixels.dtype == their_pixels.dtype == np.uint8
        np.testing.assert_array_equal(pixels, their_pixels, err_msg=name)


def test_corrupt_mat_is_reported_and_the_others_still_convert(
        sample_project: Project, tmp_path: Path) -> None:
    cls = sample_project.sbd_root / "cls"
    good = len(list(cls.glob("*.mat")))
    (cls / "2011_broken.mat").write_bytes(b"MATLAB 5.0 MAT-file, truncated" + bytes(50))
    (cls / "2011_empty.mat").write_bytes(b"")
    result = convert_all(cls, tmp_path / "out", jobs=1)
    assert result.converted == good
    assert sorted(f["file"] for f in result.failed) == ["2011_broken.mat", "2011_empty.mat"]
    assert all(f["error"] for f in result.failed)
    assert not (tmp_path / "out/2011_broken.png").exists()


def _many_mats(source: Path, dest: Path, count: int) -> Path:
    dest.mkdir()
    mats = sorted(source.glob("*.mat"))
    for i in range(count):
        shutil.copy2(mats[i % len(mats)], dest / f"2010_{i:06d}.mat")
    return dest


@pytest.mark.slow
def test_rerun_after_an_interrupted_conversion_converts_only_the_rest(
        sample_project: Project, tmp_path: Path) -> None:
    cls = _many_mats(sample_project.sbd_root / "cls", tmp_path / "cls", 400)
    out = tmp_path / "SegmentationClassAug"

    class CancelAfterTwoBatches(CancelToken):
        """Ctrl-C arriving mid-run, at the same point however fast this machine converts."""

        checks = 0

        def check(self) -> None:
            self.checks += 1
            if self.checks > 2:
                self.cancel()
            super().check()

    with pytest.raises(Cancelled):
        convert_all(cls, out, jobs=1, cancel=CancelAfterTwoBatches())
    first = sorted(out.iterdir())
    assert 0 < len(first) < 400
    assert all(p.suffix == ".png" and _pixels(p)[0] == "L" for p in first)  # no half-written label
    (out / ".2010_000001.png.4242.tmp").write_bytes(b"left by a crash")

    second = convert_all(cls, out, jobs=2)
    assert (second.converted, second.skipped, second.failed) == (400 - len(first), len(first), [])
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p.stem}.png" for p in cls.iterdir())

    third = convert_all(cls, out, jobs=2)
    assert (third.converted, third.skipped) == (0, 400)
    workers_only = convert_all(cls, tmp_path / "fresh", jobs=2, help_in_process=False)
    assert (workers_only.converted, workers_only.failed) == (400, [])
    (cls / "2010_000003.mat").touch()  # a newer .mat makes its label stale
    assert convert_all(cls, out, jobs=1).converted == 1


def test_direct_mat_reader_reads_sbd_files_and_declines_what_it_does_not_know(
        sample_project: Project, tmp_path: Path) -> None:
    from vocseg_tui.core.data.matv5 import read_struct_field

    for mat in sorted((sample_project.sbd_root / "cls").glob("*.mat"))[:5]:
        fast = read_struct_field(mat.read_bytes(), "GTcls", "Segmentation")
        expected = scipy.io.loadmat(mat)["GTcls"][0]["Segmentation"][0]
        assert fast is not None and fast.dtype == expected.dtype
        np.testing.assert_array_equal(fast, expected)
    scipy.io.savemat(tmp_path / "cells.mat", {"GTcls": {"Segmentation": np.array([[1, 2]], dtype=object)}})
    assert read_struct_field((tmp_path / "cells.mat").read_bytes(), "GTcls", "Segmentation") is None
    assert read_struct_field(b"not a mat file" * 20, "GTcls", "Segmentation") is None
