"""What went wrong with a finished job, in one line, and whether retrying could help.

The Logs area's `vocseg_tui.core.logs.diagnose` names known causes; when it says nothing the
last error lines of the log are kept, so `vocseg-tui jobs` always says why.
A run the NaN guard stopped (tools/train.py) is `diverged`: a retry would diverge again.
A retry only makes sense for failures that are not the recipe's fault: the process was killed
(OOM killer, node trouble) or NCCL timed out. A config error, a missing dataset, CUDA OOM or a
broken install fail the same way every time, so they are never retried.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.logs.diagnose import diagnose
from vocseg_tui.core.logs.reader import read_tail

RETRYABLE_KINDS = frozenset({"killed", "killed_text", "nccl_timeout"})
RETRYABLE_SIGNALS = frozenset({signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT})
_ERROR_LINE = re.compile(r"(Error|Exception|error:|Killed|Traceback)")
_DIVERGED = re.compile(r"loss became (?:NaN|inf) at (?:epoch \d+, )?iteration \d+ \(lr [^)]*\)")
"""What tools/train.py's NaN guard logs when it stops a run."""
DIVERGED_HINT = ("lower the LR (base_lr), check AMP's loss scale (loss_scale='dynamic'), or clip "
                 "gradients (optim_wrapper.clip_grad=dict(max_norm=35))")


def last_error_lines(text: str, count: int = 3) -> str:
    """The last lines that look like an error (else the last non-empty lines), joined by ' | '."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.search(line)]
    return " | ".join((errors or lines)[-count:])[:600]


def summarize(log: Path, exit_code: int | None) -> tuple[str, str]:
    """(kind, one-line summary) of a failed run from its log tail and exit status.

    The summary quotes the log, so its control characters are escaped here, once: the
    registry then holds text that `vocseg-tui jobs` and the screens can show as it is."""
    kind, summary = _summarize(log, exit_code)
    return kind, escape_controls(summary)


def _summarize(log: Path, exit_code: int | None) -> tuple[str, str]:
    text = read_tail(log)
    if exit_code == 1 and (nan := _DIVERGED.findall(text)):  # the guard stopped it: no traceback
        return "diverged", f"{nan[-1]} — {DIVERGED_HINT}"
    found = diagnose(text, exit_code)
    if found is not None:
        if found.kind in {"traceback", "exit_code"}:  # the raw error lines say more
            return found.kind, last_error_lines(text) or found.summary
        return found.kind, found.one_line()
    if exit_code is not None and exit_code > 128:
        return "killed", f"the process was killed by signal {exit_code - 128}"
    return "unknown", last_error_lines(text) or f"exited with code {exit_code}"


def worth_retrying(kind: str, signal_number: int | None) -> bool:
    """Retry crashes that are not the recipe's fault; never config or data errors."""
    if signal_number is not None:
        return signal_number in RETRYABLE_SIGNALS
    return kind in RETRYABLE_KINDS
