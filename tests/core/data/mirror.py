"""A real HTTP mirror on 127.0.0.1 for the data tests and benchmarks (http.server in a thread).

It serves files with Range support and can misbehave on purpose: drop a connection after some
bytes, ignore Range, or throttle every transfer to a shared rate like a real link.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class MirrorState:
    files: dict[str, Path] = field(default_factory=dict)
    drop_after: dict[str, int] = field(default_factory=dict)
    """name -> bytes after which the NEXT request for it is cut (once)."""
    rate: float | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_send: float = 0.0

    def throttle(self, size: int) -> None:
        """A token bucket shared by all connections: the link, not each transfer, has the rate."""
        if not self.rate:
            return
        with self.lock:
            now = time.perf_counter()
            start = max(now, self.next_send)
            self.next_send = start + size / self.rate
            wait = self.next_send - now
        if wait > 0:
            time.sleep(wait)


def _handler(state: MirrorState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: object) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            state.requests.append((name, self.headers.get("Range", "")))
            path = state.files.get(name)
            if path is None:
                self.send_error(404, "Not Found")
                return
            size = path.stat().st_size
            start = 0
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                if start >= size:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(size - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            cut = state.drop_after.pop(name, None)
            sent = 0
            with open(path, "rb") as source:
                source.seek(start)
                while chunk := source.read(64 * 1024):
                    if cut is not None and sent + len(chunk) > cut:
                        self.wfile.write(chunk[: cut - sent])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    state.throttle(len(chunk))
                    self.wfile.write(chunk)
                    sent += len(chunk)

    return Handler


@dataclass
class Mirror:
    base: str
    state: MirrorState

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def serve(self, path: Path, name: str | None = None) -> str:
        self.state.files[name or path.name] = path
        return self.url(name or path.name)


@contextmanager
def run_mirror(rate: float | None = None) -> Iterator[Mirror]:
    state = MirrorState(rate=rate)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Mirror(f"http://127.0.0.1:{server.server_address[1]}", state)
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    """`python -m tests.core.data.mirror [--rate BYTES_PER_S] FILE...`: serve until stdin closes.

    The benchmarks run the mirror in its own process, as a remote mirror would be: its sending
    must not compete with the client for the client's interpreter lock.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    with run_mirror(args.rate) as served:
        for path in args.files:
            served.serve(path)
        print(served.base, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
