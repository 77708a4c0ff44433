"""A Notice's words for people and its fields for machines; `--on` parsing."""

from __future__ import annotations

import pytest

from vocseg_tui.core.notify.events import DEFAULT_EVENTS, EVENTS, Notice, NotifyError, parse_events

FAILED = Notice(event="failed", job=12, run="upernet_voc", host="gpu-3", state="failed", epoch=7,
                max_epochs=40, best_miou=61.234, best_epoch=6, wall_s=3725.0,
                log="/p/work_dirs/upernet_voc/train.log", diagnosis="CUDA out of memory on GPU 1",
                last_error="RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB")


def test_the_message_says_what_a_person_needs_to_act() -> None:
    text = FAILED.message()
    for part in ("job 12", "upernet_voc", "gpu-3", "state failed", "epoch 7 of 40",
                 "best mIoU 61.23 at epoch 6", "wall time 1h 02m", "/p/work_dirs/upernet_voc/train.log",
                 "diagnosis: CUDA out of memory on GPU 1", "last error: RuntimeError: CUDA out of memory",
                 "vocseg-tui logs 12", "vocseg-tui resume 12"):
        assert part in text, part


def test_a_success_has_no_diagnosis_and_no_resume_hint() -> None:
    notice = Notice(event="succeeded", job=3, run="r", host="h", state="succeeded", epoch=40, max_epochs=40,
                    diagnosis="stale", wall_s=59.0)
    text = notice.message()
    assert "succeeded" in text and "diagnosis" not in text and "resume" not in text and "59s" in text
    assert "vocseg-tui logs 3" in text


def test_fields_are_the_generic_json() -> None:
    fields = FAILED.fields()
    assert set(fields) == {"event", "job", "run", "host", "state", "epoch", "max_epochs", "best_miou",
                           "best_epoch", "wall_s", "log", "message"}
    assert fields["job"] == 12 and fields["event"] == "failed" and fields["message"] == FAILED.message()


def test_events_parse_in_a_stable_order_and_unknown_ones_are_refused() -> None:
    assert parse_events(None) == DEFAULT_EVENTS
    assert parse_events("best, failed") == ("failed", "best")
    with pytest.raises(NotifyError) as refused:
        parse_events("failed,finished")
    assert "finished" in refused.value.message
    assert all(event in refused.value.hint for event in EVENTS)
    with pytest.raises(NotifyError):
        parse_events(" , ")


def test_control_characters_never_reach_a_title_or_a_message() -> None:
    notice = Notice(event="failed", job=1, run="a\nb", host="h", state="failed",
                    last_error="boom \x1b]52;c;ZXZpbA==\x07 here")
    assert "\n" not in notice.title() and "a b" in notice.title()
    text = notice.message()
    assert "\x1b" not in text and "\x07" not in text and "boom  ]52;c;ZXZpbA==  here" in text
