"""gunicorn settings shared by every service API (and the gateway).

Overridable by environment: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT;
LOG_LEVEL sets the level of the application's own logs; LOG_FORMAT=json makes every line
(gunicorn's included) a JSON object (see services/common/logs.py).
"""

import os
import tempfile
from pathlib import Path

from services.common.logs import gunicorn_logconfig

# prometheus_client's multiprocess mode: every worker writes its metrics to files in this
# directory, and /metrics (any worker) adds them all up. Set before the app is imported; a
# directory of its own only when none is given (not one more temporary directory per start).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gunicorn-metrics-")

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads mostly wait (on the database, on a service, on an order's bounded wait: a counter's
# `POST /orders?wait=5` holds its thread until inventory answers), so each process keeps many:
# with fewer than the requests in flight, requests queue behind the waiting ones.
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Worker heartbeats on a RAM-backed file system where there is one (containers' /tmp may be
# an overlay on disk, which can stall heartbeats and get healthy workers killed).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
# The request id is the one the app echoes in X-Request-ID (given by the caller or generated),
# the same id that the app's log lines and the events it causes carry. The path without its
# query string (%(U)s, not the request line %(r)s): a query may carry personal data.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
# No control socket (gunicornc): its default path is per user, so several servers on one host
# (the local stack) would fight over it, and nothing here uses it.
control_socket_disable = True
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# LOG_FORMAT=json: gunicorn's own lines (master, error and access logs) as JSON lines too.
ROLE = "gateway" if os.environ.get("SERVICE") == "gateway" else "api"
logconfig_dict = gunicorn_logconfig(os.environ.get("SERVICE", ""), ROLE) or {}


def on_starting(server):
    """Forget the metrics of an earlier run (counters restart at zero with the master)."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A dead worker's live gauges leave /metrics; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """Send the application's logs (with their request id) to stderr in each worker."""
    from services.common.log_privacy import strip_query_strings_from
    from services.common.logs import configure_logging
    from services.common.parent_death import die_with_parent

    # Killed with the master (kill -9): no orphan keeps the port while a new master starts.
    die_with_parent(worker.ppid)

    configure_logging(os.environ.get("SERVICE", ""), ROLE)
    strip_query_strings_from("gunicorn.error", "gunicorn.access")
