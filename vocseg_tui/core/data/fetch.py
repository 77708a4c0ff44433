"""Get one archive's tree into the data root: download (optional), verify and extract, overlapped.

The downloader appends to `<archive>.part` in a thread while this thread reads the same bytes,
hashes them and unpacks them into staging, so when the last byte arrives the md5 is known and
the tree is already on disk; it is moved into place only if the md5 matches. A local archive
(already downloaded, or put there by hand) takes the same path without the downloader.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import threading
import zlib
from pathlib import Path

from vocseg_tui.core.data.archives import ArchiveSpec
from vocseg_tui.core.data.download import download
from vocseg_tui.core.data.errors import ChecksumError, DataError, UnsafeArchiveError
from vocseg_tui.core.data.extract import extract_stream, promote, staging_dir
from vocseg_tui.core.data.progress import CancelToken, EventFn, RateMeter, StepState
from vocseg_tui.core.data.stream import GrowingFile, HashingReader


def fetch(spec: ArchiveSpec, data_root: Path, *, allow_download: bool, emit: EventFn,
          cancel: CancelToken) -> str:
    """Bring `spec.top` into `data_root`; returns a one-line account of what was done."""
    if spec.path(data_root).is_file():
        return _fetch_once(spec, data_root, None, emit, cancel)
    if not allow_download:
        raise DataError(
            f"{spec.top} is missing from {data_root} and {spec.filename} is not there",
            f"run with --download, or put {spec.filename} into {data_root}",
        )
    mirrors = spec.mirrors
    while True:
        try:
            return _fetch_once(spec, data_root, mirrors, emit, cancel)
        except _WrongMirror as wrong:
            later = mirrors[mirrors.index(wrong.url) + 1:] if wrong.url in mirrors else ()
            if not later:
                raise wrong.error from None
            mirrors = later


def _discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)
    with contextlib.suppress(OSError):
        staged.parent.rmdir()  # the staging root, once nothing else is staged there


class _WrongMirror(Exception):
    def __init__(self, url: str, error: ChecksumError) -> None:
        self.url, self.error = url, error


def _fetch_once(spec: ArchiveSpec, data_root: Path, mirrors: tuple[str, ...] | None, emit: EventFn,
                cancel: CancelToken) -> str:
    data_root.mkdir(parents=True, exist_ok=True)
    local = mirrors is None
    path = spec.path(data_root) if local else spec.part_path(data_root)
    growing = GrowingFile(path)
    own = CancelToken(cancel)
    fetched: dict[str, object] = {}
    worker = None
    if local:
        growing.finish()
    else:
        emit(StepState(f"download-{spec.key}", "running",
                       f"resuming at {growing.size:,} bytes" if growing.size else ""))
        meter = RateMeter(f"download-{spec.key}", spec.size, "bytes", emit, start=growing.size)

        def run() -> None:
            try:
                fetched["report"] = download(spec, growing, meter, own, mirrors)
                growing.finish()
            except BaseException as exc:
                growing.finish(exc)

        worker = threading.Thread(target=run, name=f"download-{spec.key}", daemon=True)
        worker.start()
    step = f"extract-{spec.key}"
    emit(StepState(step, "running"))
    staged = staging_dir(data_root, spec.key)
    total = spec.size or (growing.size if local else None)
    extract_meter = RateMeter(step, total, "bytes", emit)
    try:
        with HashingReader(growing, own, hashing=local) as reader:
            def progress(count: int) -> None:
                extract_meter.total = extract_meter.total or (growing.size if growing.finished else None)
                extract_meter.update(reader.offset, items=count)

            try:
                count = extract_stream(reader, staged, own, progress)
                bad_tar: Exception | None = None
            except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                if isinstance(exc, UnsafeArchiveError):
                    raise
                count, bad_tar = 0, exc
            reader.drain()
    except BaseException as exc:
        own.cancel()
        if worker:
            worker.join()
        _discard(staged)
        if isinstance(exc, UnsafeArchiveError) and not local:
            path.unlink(missing_ok=True)  # a crafted download is not worth resuming
        raise
    if worker:
        worker.join()
        if growing.error is not None:
            _discard(staged)
            raise growing.error
    hasher = reader.md5 if local else growing.md5
    digest = hasher.hexdigest() if hasher is not None else ""
    report = fetched.get("report")
    url = getattr(report, "url", str(path))
    if spec.md5 and digest != spec.md5:
        _discard(staged)
        flag = f"--{spec.key}-md5"
        if local:
            raise ChecksumError(
                f"{path} has md5 {digest}, expected {spec.md5}",
                f"delete it and run with --download, or pass the right {flag} ({flag} none skips "
                "the check for a home-made archive)",
            )
        path.unlink()
        raise _WrongMirror(url, ChecksumError(
            f"{spec.filename} from {url} has md5 {digest}, expected {spec.md5}",
            f"the download was removed; try another mirror (--{spec.key}-url) or pass the right "
            f"{flag} for a private mirror",
        ))
    if bad_tar is not None:
        _discard(staged)
        raise DataError(f"{spec.filename} is not a readable tar archive: {bad_tar}",
                        "delete it and download it again")
    if not (staged / spec.top).is_dir():
        _discard(staged)
        raise DataError(f"{spec.filename} holds no {spec.top}/ folder",
                        f"is this the right archive? check --{spec.key}-url")
    if not local:
        os.replace(path, spec.path(data_root))
    promote(staged, data_root)
    _discard(staged)
    extract_meter.update(reader.offset, force=True, items=count)
    done = f"{count:,} files from {'local archive' if local else url}"
    emit(StepState(step, "done", done))
    if not local:
        emit(StepState(f"download-{spec.key}", "done", url))
    return done
