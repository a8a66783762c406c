"""``make stack`` supervises what it starts (issue 16): a process killed with SIGKILL is started
again by the stack's supervisor, and an API whose gunicorn master is killed serves again
within 5 s, its orphaned workers gone with the master instead of holding the port."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from scripts.stack import _http_ok, running
from tests.support.waiting import wait_until
from tests.system.test_stack_system import stack_environment, start_stack

__all__ = ["stack_environment", "start_stack"]  # the fixtures, on databases of this module


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_an_api_whose_gunicorn_master_is_killed_serves_again_within_5_s(
    start_stack, stack_environment
):
    gateway = start_stack(replicas=1)
    directory = Path(stack_environment["STACK_DIR"])
    sales = f"http://127.0.0.1:{int(stack_environment['GATEWAY_PORT']) + 3}"
    (master,) = [p for p in running(directory) if p.name == "sales-api"]
    workers = _children(master.pid)
    assert workers, "gunicorn has workers"

    os.kill(master.pid, signal.SIGKILL)  # the master alone, as the OOM killer would
    killed = time.monotonic()
    # Its workers die with it (PR_SET_PDEATHSIG), so none is left to answer or hold the port.
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=2)
    wait_until(lambda: _http_ok(f"{sales}/health/ready"), timeout=10, interval=0.05)
    back = time.monotonic() - killed
    print(f"\nsales API served again {back:.2f} s after kill -9 of its gunicorn master")
    assert back < 5

    (again,) = [p for p in running(directory) if p.name == "sales-api"]
    assert again.pid != master.pid and again.alive and again.restarts == 1
    assert not [p.name for p in running(directory) if not p.alive]
    wait_until(lambda: _http_ok(f"{gateway.url}/health"))
    log = (directory / "supervisor.log").read_text()
    assert f"sales-api (pid {master.pid}) exited, killed by SIGKILL" in log


def test_a_killed_worker_is_started_again(start_stack, stack_environment):
    start_stack(replicas=1)
    directory = Path(stack_environment["STACK_DIR"])
    (worker,) = [p for p in running(directory) if p.name == "inventory-worker-1"]
    os.killpg(worker.pid, signal.SIGKILL)
    (again,) = wait_until(
        lambda: [p for p in running(directory) if p.name == "inventory-worker-1" and p.restarts],
        timeout=10,
    )
    assert again.pid != worker.pid and again.alive
