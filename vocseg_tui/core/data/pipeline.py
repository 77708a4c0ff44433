"""`prepare`: do whatever is still missing, in the order that overlaps work with the download.

SBD comes first; as soon as its tree is in place its labels convert on the other cores while
VOC downloads and unpacks. Then the split lists are written and the result verified. The result
says what was done and whether the data is complete and verified; bad .mat files are listed with
their reason rather than stopping the run.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.data.archives import SBD, VOC, ArchiveSpec
from vocseg_tui.core.data.convert import ConvertResult, convert_all
from vocseg_tui.core.data.errors import DataError
from vocseg_tui.core.data.fetch import fetch
from vocseg_tui.core.data.lock import exclusive
from vocseg_tui.core.data.progress import CancelToken, EventFn, StepState, ignore
from vocseg_tui.core.data.splits import check_official, compute, write
from vocseg_tui.core.data.status import MARKER_DIR, VERIFIED, read_status
from vocseg_tui.core.data.verify import VerifyResult, verify
from vocseg_tui.core.fsutil import write_text_atomic

CONVERT_NICE = 10


@dataclass(frozen=True)
class PrepareOptions:
    download: bool = False
    voc: ArchiveSpec = VOC
    sbd: ArchiveSpec = SBD
    jobs: int | None = None
    deep: bool = False
    help_in_process: bool = False
    """Let this process convert labels too (headless runs); the UI process leaves it to workers."""


@dataclass
class PrepareResult:
    counts: dict[str, int] = field(default_factory=dict)
    official: bool = False
    convert: ConvertResult = field(default_factory=ConvertResult)
    verify: VerifyResult | None = None
    actions: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.convert.failed and self.verify is not None and self.verify.ok

    def summary(self) -> dict[str, Any]:
        """The `--json` object: counts, conversion figures, failures, verification."""
        return {
            **{k: self.counts.get(k) for k in ("train", "val", "aug", "trainaug", "sbd_train", "sbd_val")},
            "official": self.official,
            "converted": self.convert.converted, "skipped": self.convert.skipped,
            "failed": self.convert.failed,
            "verified": bool(self.verify and self.verify.ok),
            "deep": bool(self.verify and self.verify.deep),
            "problems": self.verify.problems if self.verify else [],
            "complete": self.complete, "actions": self.actions,
        }


def _converter(data_root: Path, options: PrepareOptions, emit: EventFn, cancel: CancelToken,
               out: dict[str, Any], nice: int) -> threading.Thread:
    def run() -> None:
        try:
            emit(StepState("convert", "running"))
            result = convert_all(data_root / "benchmark_RELEASE" / "dataset" / "cls",
                                 data_root / "VOCdevkit" / "VOC2012" / "SegmentationClassAug",
                                 jobs=options.jobs, emit=emit, cancel=cancel, nice=nice,
                                 help_in_process=options.help_in_process and not nice)
            out["result"] = result
            state = "failed" if result.failed else "done"
            emit(StepState("convert", state, f"{result.converted:,} converted, {result.skipped:,} "
                           f"up to date, {len(result.failed)} failed"))
        except BaseException as exc:
            out["error"] = exc
    thread = threading.Thread(target=run, name="convert", daemon=True)
    thread.start()
    return thread


def prepare(data_root: Path, options: PrepareOptions | None = None, *, emit: EventFn = ignore,
            cancel: CancelToken | None = None) -> PrepareResult:
    """Do what is missing (see the module docstring); one run per data root at a time."""
    options = options or PrepareOptions()
    missing = _missing(data_root, options)
    if missing and not options.download:
        names = " and ".join(f"{s.top} ({s.filename})" for s in missing)
        raise DataError(f"{names} missing from {data_root}",
                        "run with --download, or put the archives into the data root")
    with exclusive(data_root):
        return _prepare(data_root, options, emit, cancel or CancelToken())


def _missing(data_root: Path, options: PrepareOptions) -> list[ArchiveSpec]:
    status = read_status(data_root, {"voc": options.voc, "sbd": options.sbd})
    return [spec for spec, tree in ((options.sbd, status.sbd_tree), (options.voc, status.voc_tree))
            if not tree and not spec.path(data_root).is_file()]


def _prepare(data_root: Path, options: PrepareOptions, emit: EventFn, cancel: CancelToken,
             ) -> PrepareResult:
    result = PrepareResult()
    status = read_status(data_root, {"voc": options.voc, "sbd": options.sbd})
    if not status.sbd_tree:
        result.actions.append("sbd: " + fetch(options.sbd, data_root, allow_download=options.download,
                                              emit=emit, cancel=cancel))
    converted: dict[str, Any] = {}
    # While VOC downloads, conversion is background work: the transfer is the critical path.
    converter = _converter(data_root, options, emit, cancel, converted,
                           nice=CONVERT_NICE if not status.voc_tree else 0)
    try:
        if not status.voc_tree:
            result.actions.append("voc: " + fetch(options.voc, data_root,
                                                  allow_download=options.download, emit=emit,
                                                  cancel=cancel))
    except KeyboardInterrupt:
        cancel.cancel()  # Ctrl-C stops the conversion too
        raise
    finally:
        converter.join()  # a failed VOC download still leaves the labels converted
    if "error" in converted:
        raise converted["error"]
    result.convert = converted["result"]
    voc_root = data_root / "VOCdevkit" / "VOC2012"
    emit(StepState("lists", "running"))
    splits = compute(voc_root, data_root / "benchmark_RELEASE" / "dataset")
    result.counts, result.official = splits.counts(), splits.official
    check_official(splits)
    write(voc_root, splits)
    emit(StepState("lists", "done", f"aug {len(splits.aug):,}, trainaug {len(splits.trainaug):,}"))
    emit(StepState("verify", "running", "deep" if options.deep else "sampled"))
    result.verify = verify(voc_root, splits, deep=options.deep, jobs=options.jobs, emit=emit,
                           cancel=cancel)
    record = {"ok": result.verify.ok, "deep": options.deep,
              "problem_count": result.verify.problem_count, "counts": result.counts}
    write_text_atomic(data_root / MARKER_DIR / VERIFIED, json.dumps(record, indent=1))
    emit(StepState("verify", "done" if result.verify.ok else "failed",
                   f"{result.verify.checked_labels:,} labels checked, "
                   f"{result.verify.problem_count} problems"))
    return result
