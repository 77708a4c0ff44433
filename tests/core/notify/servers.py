"""Real servers on 127.0.0.1 for the notification tests: an HTTP recorder and an SMTP sink."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.waiting import wait_until


@dataclass
class Recorded:
    """One request the HTTP server received."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Recorder:
    """The server's address, what it received, and the answers it still has to give."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    """(status, body) to answer, first to last; once used up, 200 with `default_body`."""
    default_body: bytes = b'{"code": 0, "errcode": 0, "msg": "ok"}'

    def wait_for(self, count: int = 1) -> list[Recorded]:
        return wait_until(lambda: self.requests if len(self.requests) >= count else None,
                          timeout=20, what=f"{count} request(s) reaching the test server")


@contextmanager
def http_recorder(*answers: tuple[int, bytes]) -> Iterator[Recorder]:
    """A ThreadingHTTPServer on a free port recording each POST, answering `answers` first."""
    lock = threading.Lock()
    recorder: Recorder

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                status, reply = recorder.answers.pop(0) if recorder.answers else (200, recorder.default_body)
                recorder.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder = Recorder(url=f"http://127.0.0.1:{server.server_address[1]}/hook?token=abc",
                        answers=list(answers))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


AUTH_WITHOUT_TLS = "ignore:Requiring AUTH while not requiring TLS:UserWarning"


@dataclass
class Mailbox:
    """What the SMTP server received."""

    port: int
    messages: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def wait_for(self, count: int = 1) -> list[Any]:
        return wait_until(lambda: self.messages if len(self.messages) >= count else None,
                          timeout=20, what=f"{count} mail(s) reaching the test SMTP server")


@contextmanager
def smtp_server(*, user: str | None = None, password: str | None = None) -> Iterator[Mailbox]:
    """aiosmtpd's Controller on 127.0.0.1; with `user`, AUTH is required (over plain SMTP).

    aiosmtpd warns about AUTH without TLS for every session: tests using a login filter it with
    `AUTH_WITHOUT_TLS` (on 127.0.0.1, in a test, that is the point)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    mailbox = Mailbox(port=0)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 Message accepted for delivery"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and data.login.decode() == user
              and data.password.decode() == password)
        if ok:
            mailbox.logins.append(user or "")
        return AuthResult(success=ok, handled=False)

    options: dict[str, Any] = {}
    if user is not None:
        options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False}
    controller = Controller(Handler(), hostname="127.0.0.1", port=closed_port(), **options)
    controller.start()
    mailbox.port = controller.port
    try:
        yield mailbox
    finally:
        controller.stop()
