"""The smallest WSGI application: the raw floor's bare HTTP request (bench/raw_floor.py)."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
