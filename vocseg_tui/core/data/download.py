"""Resumable HTTP download of one archive from a list of mirrors.

A user on a flaky link must never pay twice for 3.4 GB: bytes already in `<archive>.part` are
kept and the transfer continues with an HTTP Range request. A dropped connection is retried on
the same mirror a few times, then the next mirror is tried, each continuing where the last one
stopped. A server that ignores Range (answers 200) has its first bytes skipped, never rewritten,
so a reader of the growing file never sees bytes change under it.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from vocseg_tui import __version__
from vocseg_tui.core.data.archives import ArchiveSpec
from vocseg_tui.core.data.errors import Cancelled, DataError
from vocseg_tui.core.data.progress import CancelToken, RateMeter
from vocseg_tui.core.data.stream import GrowingFile

CHUNK = 1 << 20
RETRIES_PER_MIRROR = 3
TIMEOUT_S = 30.0
RETRY_DELAY_S = 0.2


@dataclass
class DownloadReport:
    url: str = ""
    resumed_from: int = 0
    failures: list[str] = field(default_factory=list)


def _open(url: str, offset: int) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers={"User-Agent": f"vocseg-tui/{__version__}"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    return response


def _total(response: http.client.HTTPResponse, offset: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if response.status == 206 and "/" in content_range:
        tail = content_range.rsplit("/", 1)[1]
        return int(tail) if tail.isdigit() else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _transfer(url: str, growing: GrowingFile, meter: RateMeter, cancel: CancelToken) -> None:
    """One attempt: continue the `.part` file from its current size to the end of `url`."""
    offset = growing.size
    try:
        response = _open(url, offset)
    except urllib.error.HTTPError as exc:
        served = (exc.headers.get("Content-Range") or "").rpartition("/")[2]
        if exc.code == 416 and offset and offset in (meter.total, int(served or -1)):
            meter.total = offset
            return  # the .part already holds every byte: a cancel landed after the last one
        raise
    with response:
        skip = offset if response.status == 200 else 0
        total = _total(response, offset)
        if meter.total is None and total is not None:
            meter.total = total
        if meter.total is not None and total is not None and total != meter.total:
            raise DataError(f"{url} serves {total:,} bytes, expected {meter.total:,}")
        with open(growing.path, "ab") as out:
            while True:
                cancel.check()
                data = response.read1(CHUNK)
                if not data:
                    break
                if skip:
                    cut = min(skip, len(data))
                    data, skip = data[cut:], skip - cut
                out.write(data)
                out.flush()
                growing.md5.update(data)
                growing.grew(growing.size + len(data))
                meter.update(growing.size)
    if meter.total is not None and growing.size < meter.total:
        raise ConnectionError(f"connection closed at {growing.size:,} of {meter.total:,} bytes")


def download(spec: ArchiveSpec, growing: GrowingFile, meter: RateMeter, cancel: CancelToken,
             mirrors: tuple[str, ...] | None = None) -> DownloadReport:
    """Fill `growing` from the first mirror that works; raise DataError when none does."""
    report = DownloadReport(resumed_from=growing.size)
    meter.total = spec.size
    growing.start_hash()
    for url in mirrors or spec.mirrors:
        for attempt in range(RETRIES_PER_MIRROR):
            try:
                _transfer(url, growing, meter, cancel)
                meter.update(growing.size, force=True)
                report.url = url
                return report
            except Cancelled:
                raise
            except urllib.error.HTTPError as exc:
                report.failures.append(f"{url}: HTTP {exc.code} {exc.reason}")
                break  # a 404 will not heal by retrying
            except (OSError, http.client.HTTPException, DataError) as exc:
                report.failures.append(f"{url}: {exc}")
                if isinstance(exc, DataError):
                    break  # the mirror serves a different file
                time.sleep(min(2.0, RETRY_DELAY_S * 2**attempt))
    raise DataError(
        f"could not download {spec.filename}: " + "; ".join(report.failures[-3:]),
        f"check the network, or pass --{spec.key}-url URL (or VOCSEG_{spec.key.upper()}_URL) "
        "for a mirror; bytes already downloaded are kept and the next run resumes",
    )
