"""Filter expressions and sorting for the Runs table.

An expression is words joined by AND: `mIoU>70` (any numeric column; `mIoU` is the best mIoU),
`lr<0.01`, `tag:baseline`, `state:running`, `name:r50`, or plain text matched against the name,
model, tags and note. Comparisons: > >= < <= = !=. A run without the value never matches a
comparison. Bad expressions raise a VocsegError naming the word and the columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.runs.model import COLUMNS, RunRow

ALIASES = {"miou": "best_miou", "best": "best_miou", "last": "last_miou", "epochs": "epochs_done",
           "epoch": "epochs_done", "batch": "total_batch", "wall": "wall_s", "gpuh": "gpu_hours",
           "macc": "mAcc", "aacc": "aAcc", "tag": "tags"}
_CMP = re.compile(r"^([A-Za-z_]+)(>=|<=|!=|>|<|=)(.+)$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
Predicate = Callable[[RunRow], bool]


def column(name: str) -> str:
    """The JSON name of a column the user typed (any case, or an alias such as `mIoU`)."""
    lowered = name.lower()
    for known in (*COLUMNS, "jobs", "path", "project"):
        if known.lower() == lowered:
            return known
    if lowered in ALIASES:
        return ALIASES[lowered]
    raise VocsegError(f"no column {name!r}",
                      f"columns: {', '.join(COLUMNS)} (mIoU means best_miou)")


def parse_filter(expression: str) -> Predicate:
    """A predicate that holds for the rows every word of `expression` matches."""
    tests = [_word(word) for word in expression.split()]
    return lambda row: all(test(row) for test in tests)


def _word(word: str) -> Predicate:
    if (match := _CMP.match(word)) is not None:
        name, op, raw = match.groups()
        key = column(name)
        try:
            wanted = float(raw)
        except ValueError:
            if op in ("=", "!="):
                return _text_equals(key, raw.lower(), op == "!=")
            raise VocsegError(f"{word!r}: {raw!r} is not a number",
                              "compare numbers (mIoU>70, lr<0.01) or use = for text") from None
        return lambda row: _compare(row.value(key), _OPS[op], wanted)
    if any(op in word for op in "<>="):
        raise VocsegError(f"{word!r} is not a comparison", "write COLUMN OP NUMBER, e.g. mIoU>70 or lr<=0.01")
    if ":" in word:
        name, _, value = word.partition(":")
        key = column(name)
        return _text_equals(key, value.lower(), False) if key == "tags" else _contains(key, value.lower())
    text = word.lower()
    return lambda row: any(text in str(row.value(k)).lower() for k in ("name", "model", "tags", "note"))


def _compare(value: Any, op: Callable[[float, float], bool], wanted: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and op(float(value), wanted)


def _text_equals(key: str, wanted: str, negate: bool) -> Predicate:
    def test(row: RunRow) -> bool:
        value = row.value(key)
        values = value if isinstance(value, list) else [value]
        return any(str(v).lower() == wanted for v in values) != negate
    return test


def _contains(key: str, wanted: str) -> Predicate:
    return lambda row: wanted in str(row.value(key)).lower()


def sort_rows(rows: list[RunRow], spec: str) -> list[RunRow]:
    """Rows sorted by column `spec` (`-col` descending); empty values last either way."""
    descending = spec.startswith("-")
    key = column(spec.lstrip("-+"))
    present = [r for r in rows if r.value(key) not in (None, "", [])]
    absent = [r for r in rows if r.value(key) in (None, "", [])]
    present.sort(key=lambda r: _sortable(r.value(key)), reverse=descending)
    return present + absent


def _sortable(value: Any) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value).lower())
