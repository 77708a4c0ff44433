"""The byte-offset reader on growing, truncated, replaced and damaged files."""

from __future__ import annotations

import os
from pathlib import Path

from vocseg_tui.core.logs import TailReader, clean_line
from vocseg_tui.core.logs.reader import MAX_LINE


def test_reads_only_new_complete_lines(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"one\ntwo\nthr")
    reader = TailReader(log)
    assert reader.read().lines == ["one", "two"]
    assert reader.read().lines == []  # nothing new; the partial line waits
    with log.open("ab") as f:
        f.write(b"ee\nfour\n")
    assert reader.read().lines == ["three", "four"]
    assert reader.offset == log.stat().st_size


def test_truncation_and_replacement_start_over(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"old 1\nold 2\nold 3\n")
    reader = TailReader(log)
    reader.read()
    log.write_bytes(b"new\n")  # truncated in place (same inode, smaller)
    result = reader.read()
    assert result.reset and result.lines == ["new"]
    other = tmp_path / "b.log"
    other.write_bytes(b"replaced 1\nreplaced 2\nreplaced 3\nreplaced 4\n")
    os.replace(other, log)  # rotated: a new inode, even if bigger
    result = reader.read()
    assert result.reset and result.lines[0] == "replaced 1"


def test_missing_file_is_not_an_error(tmp_path: Path) -> None:
    reader = TailReader(tmp_path / "later.log")
    assert reader.read().lines == []
    (tmp_path / "later.log").write_text("hello\n")
    assert reader.read().lines == ["hello"]


def test_damaged_input_crlf_progress_bars_and_junk(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"windows line\r\n"
                    b" 10%|#   | 1/10\r 50%|#####  | 5/10\r100%|##########| 10/10\n"
                    b"\xff\xfe\x00binary\x80junk\n"
                    b"\x1b[31mERROR\x1b[0m coloured\n")
    lines = TailReader(log).read().lines
    assert lines[0] == "windows line"
    assert lines[1] == "100%|##########| 10/10"
    assert "binary" in lines[2] and "\ufffd" in lines[2]
    assert lines[3] == "ERROR coloured"


def test_a_10_mb_line_is_cut_without_holding_it(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    with log.open("wb") as f:
        f.write(b"before\n")
        f.write(b"x" * (10 * 1024 * 1024))
        f.write(b"\nafter\n")
    reader = TailReader(log)
    lines: list[str] = []
    while True:  # 4 MiB per call: the huge line spans three reads
        result = reader.read()
        lines += result.lines
        if not result.more:
            break
    assert lines[0] == "before" and lines[2] == "after"
    assert len(lines[1]) < MAX_LINE + 100 and "10,485,760 bytes" in lines[1]


def test_truncated_mid_line_is_held_until_the_newline(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"2026/11/24 15:35:04 - mmengine - INFO - Epoch(train) [1][ 5/13]  lr: 4.5")
    reader = TailReader(log)
    assert reader.read().lines == []
    assert reader.pending_text().endswith("lr: 4.5")


def test_start_from_the_tail_begins_at_a_line(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"".join(f"line {n:05d}\n".encode() for n in range(10_000)))
    reader = TailReader(log, start_tail=1000)
    lines = reader.read().lines
    assert lines[-1] == "line 09999"
    assert lines[0].startswith("line ") and len(lines) < 100
    assert reader.skipped > 0


def test_clean_line_keeps_plain_text() -> None:
    assert clean_line(b"plain") == "plain"
    assert clean_line(b"\r\r") == ""
