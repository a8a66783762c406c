"""Serve a WSGI app on a free local port in a background thread (stand-ins for services)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

WAIT = 10  # seconds a stand-in waits for the test before giving up


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free port; the socket listens before this yields."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(WAIT)
