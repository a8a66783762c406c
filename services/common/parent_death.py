"""A process that dies with its parent: gunicorn's workers with their master.

When a gunicorn master is killed with SIGKILL, its workers only notice a second later and
then drain their connections for up to ``graceful_timeout`` while still holding the listening
socket, so a new master cannot bind the port for about 20 s. ``die_with_parent()``, called
in each worker after the fork, asks Linux to kill it with SIGKILL the moment its parent dies
(``prctl(PR_SET_PDEATHSIG)``): requests in flight in the orphans are cut (the master's crash
has lost them anyway) and the port is free at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(expected_parent: int, signum: int = signal.SIGKILL) -> bool:
    """Be sent ``signum`` when the parent dies; exits at once if ``expected_parent`` (the pid
    of the parent at fork time) is already gone. Returns False where Linux's prctl is not."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return False
    if os.getppid() != expected_parent:  # died between the fork and the prctl call
        os.kill(os.getpid(), signum)
    return True
