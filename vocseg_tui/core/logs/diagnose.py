"""Why a run failed, in one line, with the fix.

A dead run's cause sits at the bottom of a long log, usually under a traceback several screens
tall. `diagnose` reads the tail of the log (and, when known, the exit code) and names the cause
a user can act on. The patterns were learnt from real output of torch 2.13 / mmengine 0.10.7 /
mmcv 2.1.0 / mmseg 1.2.2 (see tests/fixtures/logs/ and docs/logs.md); the most specific cause
wins, and an unknown failure falls back to the last line of the last traceback.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass

TAIL_CHARS = 64 * 1024
"""How much of the end of a log is searched: causes are printed last, and big logs stay cheap."""


@dataclass(frozen=True)
class Diagnosis:
    """One failure cause: `summary` fits on one line, `fix` says what to do."""

    kind: str
    summary: str
    fix: str

    def one_line(self) -> str:
        return f"{self.summary} — {self.fix}"


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    summary: str
    fix: str


def _rule(kind: str, pattern: str, summary: str, fix: str) -> _Rule:
    return _Rule(kind, re.compile(pattern, re.IGNORECASE | re.MULTILINE), summary, fix)


# Ordered: the first match wins, so specific causes come before the generic ones they trigger
# (an NCCL timeout is often followed by "killed by signal" from torchrun).
RULES: tuple[_Rule, ...] = (
    _rule("cuda_oom", r"CUDA out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED",
          "CUDA out of memory{detail}",
          "lower batch_per_gpu or crop_size in the recipe, or pick a GPU with more free memory"),
    _rule("weights_only", r"Weights only load failed|WeightsUnpickler error",
          "torch.load refused the checkpoint (torch >= 2.6 defaults to weights_only=True)",
          "resume or evaluate through vocseg-tui (it loads checkpoints with an allow-list), "
          "or run with TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 for checkpoints you trust"),
    _rule("mmcv_ext", r"No module named '?mmcv\._ext'?",
          "mmcv has no compiled ops (mmcv._ext missing; mmcv-lite is not enough)",
          "build mmcv 2.1.0 with MMCV_WITH_OPS=1 against this torch (`make setup`), "
          "then check with `vocseg-tui doctor`"),
    _rule("mmcv_version", r"MMCV==\S+ is used but incompatible",
          "mmseg 1.2.2 refuses this mmcv version{detail}",
          "install mmcv >= 2.0.0rc4 and < 2.2.0 (2.1.0 is tested), then `vocseg-tui doctor`"),
    # What the launch check refuses beforehand, recognised when it happens anyway.
    _rule("cuda_only",
          r"AmpOptimizerWrapper.{0,4} is only available training on gpu|"
          r"SyncBatchNorm expected input tensor to be on GPU|Torch not compiled with CUDA enabled|"
          r"Found no NVIDIA driver on your system|No CUDA GPUs are available",
          "a CUDA-only feature ran without a GPU{detail}",
          "on CPU train without --amp (AmpOptimWrapper) and with plain BN "
          "(norm_cfg=dict(type='BN', requires_grad=True)) instead of SyncBN; or launch on GPUs"),
    _rule("config_incomplete",
          r"^KeyError: '(model|train_dataloader|train_cfg|optim_wrapper|val_dataloader|val_cfg|"
          r"val_evaluator)'\s*$",
          "the config defines no {key}",
          "`vocseg-tui check CONFIG` lists what is missing; write a complete config with "
          "`vocseg-tui recipe --write configs/NAME.py` (or the Recipe area) and launch that"),
    _rule("weights_download",
          r"urlopen error|URLError|urllib\.error\.HTTPError",
          "the pretrained weights could not be downloaded{detail}",
          "this machine cannot fetch them: download {url} where there is internet and copy it to "
          "{path}, or point model.pretrained (or the backbone's init_cfg) at a local .pth file; "
          "`vocseg-tui check CONFIG` says where the file is expected"),
    _rule("no_process_group", r"Default process group has not been initialized",
          "the default process group is not initialised (distributed code run without a launcher)",
          "launch multi-GPU runs through vocseg-tui (torchrun with --launcher pytorch), or use "
          "plain BN instead of SyncBN for a single process"),
    _rule("nccl_timeout",
          r"Watchdog caught collective operation timeout|NCCL.*timed? ?out|"
          r"collective operation timeout",
          "NCCL collective timed out (one rank stalled or died)",
          "check the other ranks' logs and GPUs; set NCCL_DEBUG=INFO, and make sure every GPU "
          "gets the same number of batches"),
    # torch.save on a full disk does not say ENOSPC: it fails in its zip writer (seen with
    # torch 2.13 writing to /dev/full), so those messages count as a full disk too.
    _rule("no_space",
          r"No space left on device|\[Errno 28\]|PytorchStreamWriter failed writing|"
          r"inline_container\.cc.*unexpected pos|basic_ios::clear: iostream error",
          "no space left on device (or a checkpoint could not be written)",
          "free disk space (old checkpoints: lower max_keep_ckpts) or point work_dirs elsewhere"),
    _rule("dataset_missing",
          r"(FileNotFoundError|No such file or directory).*(VOCdevkit|JPEGImages|Segmentation|"
          r"ImageSets|benchmark_RELEASE|\.jpg|\.png)|Failed to load .?ann_file",
          "dataset files are missing{detail}",
          "finish the data preparation: `vocseg-tui prepare` (or the Data area: download, extract, "
          "convert, verify), or fix data_root / ann_file in the config"),
    _rule("killed_text",
          r"^Killed$|Signals?\.?\s*SIG[A-Z]+|received signal|Signal \d+ \(SIG[A-Z]+\) received|"
          r"exitcode\s*:\s*-\d+",
          "the process was killed by a signal{detail}",
          "if it was SIGKILL, the machine probably ran out of RAM (dmesg shows the OOM killer): "
          "lower num_workers or batch size; resume from the last checkpoint"),
)

_OOM_DETAIL = re.compile(r"Tried to allocate ([\d.]+ [KMGT]i?B)")
_MMCV_DETAIL = re.compile(r"MMCV==(\S+) is used")
_MISSING_FILE = re.compile(r"No such file or directory: '([^']+)'|Failed to load .?ann_file.? (\S+)")
_SIGNAL_DETAIL = re.compile(r"Signal (\d+) \((SIG[A-Z]+)\)|(SIG[A-Z]+)")
_DOWNLOAD = re.compile(r'Downloading: "([^"]+)" to (\S+)')
_URL_ERROR = re.compile(r"(?:urlopen error|HTTP Error) ([^>\n]+)")
_CUDA_ONLY = (("AmpOptimizerWrapper", "AMP"), ("SyncBatchNorm", "SyncBN"))
_MISSING_KEY = re.compile(r"^KeyError: '(\w+)'", re.MULTILINE)
_TRACEBACK = "Traceback (most recent call last):"


def _details(kind: str, text: str) -> dict[str, str]:
    """The values a rule's summary and fix name, read from the text of its match."""
    found: dict[str, str] = {}
    if kind == "cuda_oom" and (m := _OOM_DETAIL.search(text)):
        found["detail"] = f" (tried to allocate {m.group(1)})"
    elif kind == "mmcv_version" and (m := _MMCV_DETAIL.search(text)):
        found["detail"] = f" (mmcv {m.group(1)})"
    elif kind == "dataset_missing" and (m := _MISSING_FILE.search(text)):
        found["detail"] = f": {m.group(1) or m.group(2)}"
    elif kind == "killed_text" and (m := _SIGNAL_DETAIL.search(text)):
        found["detail"] = f" ({m.group(2) or m.group(3)})"
    elif kind == "cuda_only":
        found.update(detail=next((f" ({name})" for marker, name in _CUDA_ONLY if marker in text), ""))
    elif kind == "config_incomplete" and (m := _MISSING_KEY.search(text)):
        found["key"] = f"`{m.group(1)}`"
    elif kind == "weights_download":
        if downloads := _DOWNLOAD.findall(text):
            found.update(url=downloads[-1][0], path=downloads[-1][1])
        if errors := _URL_ERROR.findall(text):
            found["reason"] = errors[-1].strip()
    return found


def _values(kind: str, tail: str, last: str) -> dict[str, str]:
    """Placeholders, then what the whole tail says, then what its last match says (earlier
    text may belong to a run this one resumed)."""
    values = dict(_PLACEHOLDERS)
    for text in (tail, last):
        values.update({k: v for k, v in _details(kind, text).items() if v})
    if kind == "weights_download":
        url = values["url"] if "://" in values["url"] else ""
        values["detail"] = "".join([f": {url}" if url else "",
                                    f" ({values['reason']})" if values.get("reason") else ""])
    return values


_PLACEHOLDERS = {"detail": "", "key": "(a required key)", "url": "the weights file",
                 "path": "torch's hub cache (~/.cache/torch/hub/checkpoints/)"}


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def last_traceback(text: str) -> str | None:
    """The exception line that ends the last traceback in `text` (e.g. `KeyError: 'x'`)."""
    start = text.rfind(_TRACEBACK)
    if start < 0:
        return None
    for line in text[start:].splitlines()[1:]:
        if line and not line.startswith((" ", "\t", "^", "~")) and not line.startswith("During"):
            return line.strip()[:300]
    return None


def diagnose(text: str, exit_code: int | None = None) -> Diagnosis | None:
    """The cause of a failed run from its log text (only the tail is read), or None.

    `exit_code` is the job's exit status when known: negative (or 128+N from a shell) means a
    signal, which the log itself cannot say. None means no failure was recognised: a log that
    ends normally has no traceback and no known error.
    """
    tail = text[-TAIL_CHARS:]
    for rule in RULES:
        if rule.pattern.search(tail):
            # Details come from the last occurrence: earlier ones may belong to a resumed run.
            last = tail[max(m.start() for m in rule.pattern.finditer(tail)):]
            values = _values(rule.kind, tail, last)
            return Diagnosis(rule.kind, rule.summary.format(**values), rule.fix.format(**values))
    if exit_code is not None and (exit_code < 0 or 128 < exit_code < 160):
        number = -exit_code if exit_code < 0 else exit_code - 128
        name = _signal_name(number)
        fix = ("SIGKILL usually means the kernel's OOM killer (see dmesg): lower num_workers or "
               "the batch size; resume from the last checkpoint") if name == "SIGKILL" else \
            "resume from the last checkpoint"
        return Diagnosis("killed", f"the process was killed by {name}", fix)
    if (exc := last_traceback(tail)) is not None:
        return Diagnosis("traceback", exc, "read the traceback in the log (key ] jumps to it)")
    if exit_code not in (None, 0):
        return Diagnosis("exit_code", f"the process exited with code {exit_code}",
                         "read the end of the log")
    return None
