"""Each preset's body and headers, as a real HTTP server on 127.0.0.1 receives them."""

from __future__ import annotations

import base64
import json

import pytest

from tests.core.notify.servers import closed_port, http_recorder
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.webhook import SendError, send_webhook

NOTICE = Notice(event="diverged", job=5, run="upernet", host="gpu-1", state="failed", epoch=2,
                max_epochs=40, log="/w/train.log", diagnosis="loss became NaN at epoch 2")


def _send(preset: str, notice: Notice = NOTICE) -> tuple[dict[str, str], bytes]:
    with http_recorder() as server:
        send_webhook(WebhookChannel(name="w", url=server.url, preset=preset), notice)
        [request] = server.wait_for(1)
    assert request.path == "/hook?token=abc"
    return request.headers, request.body


def test_generic_posts_the_notice_fields_as_json() -> None:
    headers, body = _send("generic")
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == json.loads(json.dumps(NOTICE.fields()))


def test_ntfy_posts_plain_text_with_title_and_tags_headers() -> None:
    headers, body = _send("ntfy")
    assert body.decode("utf-8") == NOTICE.message()
    assert headers["Content-Type"].startswith("text/plain")
    assert headers["Title"] == NOTICE.title() and headers["Tags"] == "warning"


def test_ntfy_title_with_non_ascii_is_rfc2047_encoded() -> None:
    notice = Notice(event="succeeded", job=1, run="训练", host="h", state="succeeded")
    headers, _ = _send("ntfy", notice)
    assert headers["Title"].startswith("=?UTF-8?B?")
    assert base64.b64decode(headers["Title"][10:-2]).decode("utf-8") == notice.title()


@pytest.mark.parametrize(("preset", "expected"), [
    ("slack", {"text": NOTICE.message()}),
    ("feishu", {"msg_type": "text", "content": {"text": NOTICE.message()}}),
    ("dingtalk", {"msgtype": "text", "text": {"content": NOTICE.message()}}),
    ("wecom", {"msgtype": "text", "text": {"content": NOTICE.message()}}),
])
def test_bot_presets_post_the_documented_body(preset: str, expected: dict[str, object]) -> None:
    headers, body = _send(preset)
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == expected


@pytest.mark.parametrize(("preset", "answer", "said"), [
    ("wecom", b'{"errcode": 300001, "errmsg": "invalid webhook url"}', "errcode 300001"),
    ("dingtalk", b'{"errcode": 310000, "errmsg": "keywords not in content"}', "keywords not in content"),
    ("feishu", b'{"code": 19021, "msg": "sign match fail"}', "code 19021"),
])
def test_an_error_code_under_http_200_is_a_failure(preset: str, answer: bytes, said: str) -> None:
    with http_recorder((200, answer)) as server, pytest.raises(SendError) as failed:
        send_webhook(WebhookChannel(name="w", url=server.url, preset=preset), NOTICE)
    assert said in str(failed.value)


def test_a_non_2xx_status_and_a_refused_connection_are_failures() -> None:
    with http_recorder((500, b"boom")) as server, pytest.raises(SendError) as failed:
        send_webhook(WebhookChannel(name="w", url=server.url), NOTICE)
    assert "HTTP 500" in str(failed.value)
    with pytest.raises(SendError) as refused:
        send_webhook(WebhookChannel(name="w", url=f"http://127.0.0.1:{closed_port()}/x"), NOTICE, timeout=5)
    assert "could not reach" in str(refused.value)
