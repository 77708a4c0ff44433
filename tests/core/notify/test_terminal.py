"""The OSC 9 / OSC 777 sequences of a notice: well-formed, and unbreakable by what they quote."""

from __future__ import annotations

from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.terminal import osc_notification, terminal_notification


def test_both_sequences_are_written_and_end_with_bel() -> None:
    text = terminal_notification(Notice(event="succeeded", job=7, run="r", host="h", state="succeeded",
                                        best_miou=70.0))
    osc9, osc777, rest = text.split("\a")
    assert rest == ""
    assert osc9.startswith("\x1b]9;vocseg-tui: job 7 r succeeded: job 7 succeeded, best mIoU 70.00")
    assert osc777.startswith("\x1b]777;notify;vocseg-tui: job 7 r succeeded;job 7 succeeded")


def test_quoted_text_cannot_end_a_sequence_or_add_a_field() -> None:
    text = osc_notification("run;x\x07", "body\x1b]52;c;AAAA\x07")
    assert text.count("\a") == 2 and text.count("\x1b") == 2
    assert "\x1b]777;notify;run,x ;body" in text
