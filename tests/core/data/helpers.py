"""Archives in the real layouts, built from the sample project, and the fixtures that serve them.

`VOCtrainval_11-May-2012.tar` holds `VOCdevkit/VOC2012/...` (plain tar), `benchmark.tgz` holds
`benchmark_RELEASE/dataset/...` (gzip), exactly as the official downloads do. Test modules import
the fixtures from here.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.data.mirror import Mirror, run_mirror
from vocseg_tui.core.data.archives import SBD, VOC, ArchiveSpec, resolve


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def build_voc_tar(data_root: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w") as tar:
        tar.add(data_root / "VOCdevkit", arcname="VOCdevkit")
    return dest


def build_sbd_tgz(data_root: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz", compresslevel=1) as tar:
        tar.add(data_root / "benchmark_RELEASE", arcname="benchmark_RELEASE")
    return dest


def add_member(tar: tarfile.TarFile, name: str, data: bytes = b"x", *, link: str | None = None,
               symlink: bool = False) -> None:
    info = tarfile.TarInfo(name)
    if link is not None:
        info.type = tarfile.SYMTYPE if symlink else tarfile.LNKTYPE
        info.linkname = link
        tar.addfile(info)
    else:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


@dataclass(frozen=True)
class SampleArchives:
    voc: Path
    sbd: Path

    def specs(self, mirror: Mirror) -> tuple[ArchiveSpec, ArchiveSpec]:
        """Specs pointing at `mirror` with these archives' md5s (as a private mirror is set up)."""
        return (resolve("voc", mirror.serve(self.voc), md5(self.voc)),
                resolve("sbd", mirror.serve(self.sbd), md5(self.sbd)))


@pytest.fixture(scope="session")
def sample_archives(pristine_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> SampleArchives:
    out = tmp_path_factory.mktemp("archives")
    data = pristine_sample / "data"
    return SampleArchives(build_voc_tar(data, out / VOC.filename), build_sbd_tgz(data, out / SBD.filename))


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    with run_mirror() as served:
        yield served
