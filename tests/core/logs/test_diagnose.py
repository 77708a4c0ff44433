"""Failure diagnosis on real failure output (see tests/fixtures/logs/) and on exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from vocseg_tui.core.jobs.failure import summarize, worth_retrying
from vocseg_tui.core.logs import diagnose, last_traceback

CASES = {
    "fail_weights_only.log": "weights_only",
    "fail_dataset_missing.log": "dataset_missing",
    "fail_mmcv_ext.log": "mmcv_ext",
    "fail_mmcv_version.log": "mmcv_version",
    "fail_no_process_group.log": "no_process_group",
    "fail_no_space.log": "no_space",
    "fail_cuda_oom.log": "cuda_oom",
    "fail_nccl_timeout.log": "nccl_timeout",
    # What the launch check refuses beforehand, when it happens anyway (real tools/train.py
    # output on CPU: the sample without converted data, weights from an unreachable URL, --amp,
    # an empty config file).
    "fail_ann_file.log": "dataset_missing",
    "fail_weights_download.log": "weights_download",
    "fail_amp_cpu.log": "cuda_only",
    "fail_empty_config.log": "config_incomplete",
}


@pytest.mark.parametrize(("name", "kind"), CASES.items())
def test_each_known_failure_is_named_with_a_fix(fixtures: Path, name: str, kind: str) -> None:
    found = diagnose((fixtures / name).read_text(errors="replace"))
    assert found is not None and found.kind == kind
    assert found.fix and "\n" not in found.one_line()


def test_details_come_from_the_log(fixtures: Path) -> None:
    oom = diagnose((fixtures / "fail_cuda_oom.log").read_text())
    missing = diagnose((fixtures / "fail_dataset_missing.log").read_text())
    version = diagnose((fixtures / "fail_mmcv_version.log").read_text())
    assert oom is not None and "2.00 GiB" in oom.summary
    assert missing is not None and "JPEGImages/2007_000032.jpg" in missing.summary
    assert version is not None and "2.2.0" in version.summary


@pytest.mark.parametrize("name", ["mmengine_run.log", "stdout_success.log"])
def test_a_successful_run_has_no_diagnosis(fixtures: Path, name: str) -> None:
    assert diagnose((fixtures / name).read_text()) is None


@pytest.mark.parametrize(("code", "name"), [(-9, "SIGKILL"), (137, "SIGKILL"), (-15, "SIGTERM")])
def test_a_signal_in_the_exit_code_is_named(fixtures: Path, code: int, name: str) -> None:
    found = diagnose((fixtures / "mmengine_run.log").read_text(), exit_code=code)
    assert found is not None and found.kind == "killed" and name in found.summary


def test_torchrun_signal_report_is_recognised_without_an_exit_code() -> None:
    found = diagnose("  traceback : Signal 9 (SIGKILL) received by PID 4243\n")
    assert found is not None and found.kind == "killed_text" and "SIGKILL" in found.summary


def test_an_unknown_failure_shows_the_last_traceback() -> None:
    text = ("Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'first'\n"
            "log line\nTraceback (most recent call last):\n  File \"b.py\", line 2, in f\n"
            "    x[1]\n    ^^^^\nIndexError: list index out of range\n")
    found = diagnose(text)
    assert found is not None and found.kind == "traceback"
    assert found.summary == "IndexError: list index out of range"
    assert last_traceback("no traceback here") is None


def test_only_the_tail_is_read() -> None:
    """An OOM far above the end of a long log belongs to an earlier, resumed attempt."""
    old = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1 GiB\n"
    assert diagnose(old + "x" * 200_000) is None


def test_first_minute_failures_name_the_file_or_url_and_the_fix(fixtures: Path) -> None:
    def found(name: str) -> tuple[str, str]:
        result = diagnose((fixtures / name).read_text(), exit_code=1)
        assert result is not None
        return result.summary, result.fix

    summary, fix = found("fail_ann_file.log")
    assert summary == "dataset files are missing: data/VOCdevkit/VOC2012/ImageSets/Segmentation/aug.txt"
    assert "vocseg-tui prepare" in fix
    summary, fix = found("fail_weights_download.log")
    url = "http://127.0.0.1:9/resnet18_v1c-b5776b93.pth"
    assert summary == (
        f"the pretrained weights could not be downloaded: {url} ([Errno 111] Connection refused)")
    assert f"download {url}" in fix and "/hub/checkpoints/resnet18_v1c-b5776b93.pth" in fix
    summary, fix = found("fail_amp_cpu.log")
    assert summary.endswith("(AMP)") and "without --amp" in fix
    summary, fix = found("fail_empty_config.log")
    assert summary == "the config defines no `model`" and "vocseg-tui check" in fix


@pytest.mark.parametrize("name", ["fail_ann_file.log", "fail_weights_download.log", "fail_empty_config.log"])
def test_the_jobs_summary_names_the_cause_and_never_retries_it(fixtures: Path, name: str) -> None:
    kind, summary = summarize(fixtures / name, 1)
    assert kind == CASES[name] and "exited with code" not in summary and " — " in summary
    assert not worth_retrying(kind, None)  # it would fail the same way again


def test_a_failure_summary_carries_no_control_characters(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("Traceback (most recent call last):\n  File \"x.py\", line 1\n"
                   "FileNotFoundError: \x1b]52;c;aGk=\x07 \x1b]0;title\x07\n")
    kind, summary = summarize(log, 1)
    assert kind == "traceback" and "FileNotFoundError" in summary
    assert "\x1b" not in summary and "\x07" not in summary and "?]52;c;aGk=?" in summary
