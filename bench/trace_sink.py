"""A tiny OTLP/HTTP receiver for the "traces on" measurement: it answers 200 to
``POST /v1/traces`` (and throws the spans away) so that the stack's exporters do their whole
work, and it runs in a process of its own so that its CPU is counted apart from the stack's.

``GET /stats`` answers the exports and bytes it has taken in, as JSON.

Run as ``python -m bench.trace_sink PORT``; :class:`TraceSink` starts and stops it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.gateway import free_port
from bench.process_cpu import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the exporter's session reuses its connection
    exports = 0
    received = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/v1/traces":
            type(self).exports += 1
            type(self).received += len(body)
            self._answer(200, b"", "application/x-protobuf")
        else:
            self._answer(404, b"", "text/plain")

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/stats":
            stats = {"exports": type(self).exports, "bytes": type(self).received}
            self._answer(200, json.dumps(stats).encode(), "application/json")
        else:
            self._answer(404, b"", "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


class TraceSink:
    """The sink in a child process: ``url`` for ``OTEL_EXPORTER_OTLP_ENDPOINT``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> TraceSink:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.trace_sink", str(self.port)], cwd=ROOT
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.stats()
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__(None, None, None)
                    raise RuntimeError("the trace sink did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.url}/stats", timeout=5) as answer:
            return json.load(answer)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Handler).serve_forever()
