"""One notice to one webhook: the body each service's bot API documents, sent with urllib.

- generic: our JSON object (`Notice.fields()`);
- ntfy: the message as a plain-text body, with `Title` and `Tags` headers (docs.ntfy.sh/publish);
- slack: an incoming webhook's `{"text": ...}`;
- feishu: a custom bot's `{"msg_type": "text", "content": {"text": ...}}`, which answers HTTP 200
  with `{"code": 0}` on success and another `code` (older bots: `StatusCode`) on failure;
- dingtalk: a group robot's `{"msgtype": "text", "text": {"content": ...}}`, failing with
  `errcode` != 0 under HTTP 200;
- wecom: a group bot's `{"msgtype": "text", "text": {"content": ...}}`, the same `errcode` rule.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.events import Notice

TIMEOUT_S = 10.0
_NTFY_TAGS = {"succeeded": "white_check_mark", "failed": "x", "diverged": "warning",
              "lost": "question", "stopped": "stop_sign", "best": "trophy", "started": "rocket",
              "resubmitted": "repeat"}
_CODE_KEYS = {"feishu": ("code", "StatusCode"), "dingtalk": ("errcode",), "wecom": ("errcode",)}


class SendError(Exception):
    """A channel did not accept a notice; the message says why (never a secret)."""


@dataclass(frozen=True)
class Request:
    """What goes over the wire: the body and its headers."""

    body: bytes
    headers: dict[str, str]


def _header_text(text: str) -> str:
    """HTTP headers are Latin-1: non-ASCII text goes RFC 2047-encoded, which ntfy decodes."""
    if text.isascii():
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def _json(value: Any) -> Request:
    return Request(json.dumps(value, ensure_ascii=False).encode("utf-8"),
                   {"Content-Type": "application/json; charset=utf-8"})


def build_request(preset: str, notice: Notice) -> Request:
    """The body and headers `preset` expects for `notice`."""
    text = notice.message()
    if preset == "ntfy":
        return Request(text.encode("utf-8"), {
            "Content-Type": "text/plain; charset=utf-8", "Title": _header_text(notice.title()),
            "Tags": _NTFY_TAGS.get(notice.event, "bell")})
    if preset == "slack":
        return _json({"text": text})
    if preset == "feishu":
        return _json({"msg_type": "text", "content": {"text": text}})
    if preset in ("dingtalk", "wecom"):
        return _json({"msgtype": "text", "text": {"content": text}})
    return _json(notice.fields())


def _service_error(preset: str, body: bytes) -> str | None:
    """The error a bot API reports inside an HTTP 200 answer, if any."""
    keys = _CODE_KEYS.get(preset)
    if not keys:
        return None
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    for key in keys:
        code = answer.get(key)
        if code not in (None, 0, "0"):
            why = answer.get("msg") or answer.get("errmsg") or answer.get("StatusMessage") or ""
            return f"{preset} answered {key} {code}" + (f": {why}" if why else "")
    return None


def send_webhook(channel: WebhookChannel, notice: Notice, timeout: float = TIMEOUT_S) -> None:
    """POST `notice` to the channel; SendError with the reason when it was not accepted."""
    request = build_request(channel.preset, notice)
    http = urllib.request.Request(channel.url, data=request.body, method="POST",
                                  headers={"User-Agent": "vocseg-tui", **request.headers})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:
            status = answer.status
            body = answer.read(65536)
    except urllib.error.HTTPError as error:
        detail = error.read(300).decode("utf-8", "replace").strip()
        raise SendError(f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as error:
        reason = error.reason
        text = getattr(reason, "strerror", None) or str(reason)
        raise SendError(f"could not reach the server: {text}") from None
    except (OSError, ValueError) as error:  # timeouts, resets, a malformed URL
        raise SendError(f"could not send: {error}") from None
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    problem = _service_error(channel.preset, body)
    if problem:
        raise SendError(problem)
